#!/usr/bin/env bash
# Runs a command against a fresh moto emulator on a free 127.0.0.1 port, with
# the AWS SDK's environment pointed at it, and stops moto afterwards:
#   scripts/with-moto.sh target/debug/quickstart
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/moto.sh install >&2
scripts/moto.sh stop >/dev/null 2>&1 || true
endpoint="$(scripts/moto.sh start)"
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
export AWS_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 \
       AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
       AWS_EC2_METADATA_DISABLED=true AWSCONF_ENV="${AWSCONF_ENV:-production}"
echo "emulator: $endpoint" >&2
"$@"
