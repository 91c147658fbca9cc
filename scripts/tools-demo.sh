#!/usr/bin/env bash
# The tools demo: seeds the emulator with the quickstart layout (as demo.sh does),
# then runs every subcommand of examples/awsconf_cli.rs: iam-policy, check,
# explain, template, push, cost, and check again after drift.
#
# With AWS_ENDPOINT_URL set, that endpoint is used and no emulator is started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
    scripts/moto.sh install >&2
    AWS_ENDPOINT_URL="$(scripts/moto.sh start)"
    trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
fi
export AWS_ENDPOINT_URL AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
       AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
       AWS_EC2_METADATA_DISABLED=true AWSCONF_ENV=production

cargo build -q -p awsconf-examples --bin demo-seed --bin awsconf-cli
cli=target/debug/awsconf-cli
work=target/tools-demo
mkdir -p "$work"

run() {
    echo "\$ awsconf-cli $*"
    local code=0
    "$cli" "$@" || code=$?
    echo "(exit code $code)"
    echo
}

# Changes the emulator behind awsconf's back, with boto3 (installed with moto).
boto() {
    .venv/bin/python -c "import boto3; ssm = boto3.client('ssm'); $1"
}

echo "emulator: $AWS_ENDPOINT_URL"
target/debug/demo-seed
echo

run iam-policy --account 123456789012
run check
API_REDIS__PORT=6380 run explain --config examples/config/local.toml --env-prefix API_
run template
run cost --loads-per-month 100000

cat >"$work/staging.toml" <<'TOML'
log_level = "debug"
stripe_key = "sk_test_staging_0042"

[database]
host = "db.staging.internal"
port = 5432
username = "api_user"
password = "staging-db-password"

[redis]
host = "cache.staging.internal"
port = 6379
TOML
run --env staging push "$work/staging.toml"
run --env staging push "$work/staging.toml" --apply
run --env staging push "$work/staging.toml" --apply
run --env staging check

# Drift: a parameter no field declares, and the password stored unencrypted.
boto "ssm.put_parameter(Name='/production/api/legacy-timeout', Value='30', Type='String')"
boto "ssm.put_parameter(Name='/production/api/database/password', Value='plain-text-password', Type='String', Overwrite=True)"
run check --strict
# A value that does not convert: the config would not load.
boto "ssm.put_parameter(Name='/production/api/redis/port', Value='6379a', Type='String', Overwrite=True)"
run check --format json
