#!/usr/bin/env bash
# Runs one example binary against a fresh emulator: scripts/example.sh rotation
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:?usage: scripts/example.sh <quickstart|rotation|...>}"
shift
scripts/moto.sh install >&2
scripts/moto.sh stop >/dev/null 2>&1 || true
endpoint="$(scripts/moto.sh start)"
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
export AWS_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 \
       AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
       AWS_EC2_METADATA_DISABLED=true AWSCONF_ENV="${AWSCONF_ENV:-production}"
cargo build -q -p awsconf-examples --bin "$name"
"target/debug/$name" "$@"
