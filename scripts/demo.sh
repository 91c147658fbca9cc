#!/usr/bin/env bash
# The demo: start the moto emulator, seed the e-commerce layout under
# /production/api/..., load it with examples/quickstart (secrets redacted), then
# load again with a local TOML file and an env var on top.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/moto.sh install >&2
scripts/moto.sh stop >/dev/null 2>&1 || true
endpoint="$(scripts/moto.sh start)"
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT

export AWS_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 \
       AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
       AWS_EC2_METADATA_DISABLED=true AWSCONF_ENV=production

cargo build -q -p awsconf-examples --bin demo-seed --bin quickstart
echo "emulator: $endpoint"
target/debug/demo-seed
# The env var overrides redis.port; examples/config/local.toml overrides database.host.
API_REDIS__PORT=6380 target/debug/quickstart
