#!/usr/bin/env bash
# The demo: start the moto emulator, seed the e-commerce layout under
# /production/api/..., load it with examples/quickstart (secrets redacted), then
# load again with a local TOML file and an env var on top.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Not quiet: the first build compiles the AWS SDK (2-3 minutes), and cargo's
# progress shows it is working.
echo "building the demo (the first build takes 2-3 minutes; later ones seconds)" >&2
cargo build -p awsconf-examples --bin demo-seed --bin quickstart
# The env var overrides redis.port; examples/config/local.toml overrides database.host.
scripts/with-moto.sh bash -c 'target/debug/demo-seed && API_REDIS__PORT=6380 target/debug/quickstart'
