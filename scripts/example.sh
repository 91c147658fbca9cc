#!/usr/bin/env bash
# Runs one example binary against a fresh emulator; arguments after the name go
# to the example:
#   scripts/example.sh rotation
#   scripts/example.sh axum-service --demo
#   scripts/example.sh lambda-function --local
# Examples: quickstart (after demo-seed; see scripts/demo.sh), rotation,
# axum-service, lambda-function, ecs-service, ecommerce, saas-tenants,
# startup-migration, awsconf-cli, change-events.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:?usage: scripts/example.sh <name> [args...]; e.g. scripts/example.sh axum-service --demo}"
shift
# Not quiet: the first build takes minutes, and cargo's progress shows it working.
cargo build -p awsconf-examples --bin "$name"
scripts/with-moto.sh "target/debug/$name" "$@"
