#!/usr/bin/env bash
# Runs one example binary against a fresh emulator: scripts/example.sh rotation
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:?usage: scripts/example.sh <quickstart|rotation|...>}"
shift
cargo build -q -p awsconf-examples --bin "$name"
scripts/with-moto.sh "target/debug/$name" "$@"
