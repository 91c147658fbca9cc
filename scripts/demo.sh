#!/usr/bin/env bash
# The demo: start the moto emulator, seed the e-commerce layout under
# /production/api/..., load it with examples/quickstart (secrets redacted), then
# load again with a local TOML file and an env var on top.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build -q -p awsconf-examples --bin demo-seed --bin quickstart
# The env var overrides redis.port; examples/config/local.toml overrides database.host.
scripts/with-moto.sh bash -c 'target/debug/demo-seed && API_REDIS__PORT=6380 target/debug/quickstart'
