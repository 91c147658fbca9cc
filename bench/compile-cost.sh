#!/usr/bin/env bash
# What awsconf costs a user's build, measured from outside the workspace.
#
# Three crates of the README's orders config, each in a fresh directory with its
# own target dir (so every "cold" build compiles every dependency):
#   baseline     a hand-written loader on the SDK crates awsconf uses, with the
#                same features (aws-config, aws-sdk-ssm, aws-sdk-secretsmanager:
#                default features off, rt-tokio, behavior-version-latest and the
#                SDK's default HTTPS client, as awsconf's default features
#                enable), plus tokio and serde
#   loader-only  awsconf with its default features (no tools, no clap)
#   cli          awsconf with `cli` (the tools as subcommands of the binary)
# For each: a cold debug build, the stripped release binary's size, and a debug
# rebuild after one field is added to the config struct (the median of five
# rebuilds, one new field each). The cold builds each
# have their own target dir; the release builds (sizes only) share one.
#
# Prints a markdown table, and with --write replaces the "Compile cost" section of
# BENCHMARKS.md. Run it on a quiet machine: builds compete for the cores.
#
# Usage: bench/compile-cost.sh [--write] [--skip-release]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
write=false release=true
for arg in "$@"; do
  case $arg in
    --write) write=true ;;
    --skip-release) release=false ;;
    *) echo "usage: $0 [--write] [--skip-release]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/awsconf-compile-cost-XXXX)
trap 'rm -rf "$work"' EXIT
export CARGO_TERM_COLOR=never
unset CARGO_TARGET_DIR
# One lock file for all three, so each resolves the same dependency versions
# as the workspace (cargo drops the entries a crate does not use).
lock="$repo/Cargo.lock"

sdk_features='default-features = false, features = ["behavior-version-latest", "rt-tokio", "default-https-client"]'

manifest() { # name, dependencies
  cat <<EOF
[package]
name = "$1"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
$2

[profile.release]
strip = true
EOF
}

awsconf_main() {
  cat <<'EOF'
use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "orders")]
pub struct OrdersConfig {
    #[component]
    pub database: Database,
    #[param(default = 8080)]
    pub port: u16,
    pub cache_url: Option<String>,
    #[secret(id = "{env}/orders/db-admin", key = "password")]
    pub db_password: SecretString,
    // FIELD
}

#[derive(AwsConfig, Debug)]
pub struct Database {
    pub host: String,
    pub password: SecretString,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // TOOLS
    let config = OrdersConfig::loader().load().await?;
    println!("{config:?}");
    Ok(())
}
EOF
}

# The README's first-hour main: `orders tools ...` runs awsconf's tools, so the
# CLI is linked into the binary (the cli row's size counts it).
cli_main() {
  awsconf_main | awk '
    /\/\/ TOOLS/ {
      print "    if std::env::args().nth(1).as_deref() == Some(\"tools\") {"
      print "        let args = std::env::args_os().skip(1);"
      print "        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());"
      print "        let code = awsconf::cli::run_with::<OrdersConfig, _, _>(args, None, &mut out, &mut err);"
      print "        std::process::exit(code.await.into());"
      print "    }"
      next
    }
    { print }'
}

baseline_main() {
  cat <<'EOF'
//! The same config, loaded by hand: one GetParameters and one GetSecretValue.
use std::collections::HashMap;

#[derive(Debug)]
pub struct OrdersConfig {
    pub database: Database,
    pub port: u16,
    pub cache_url: Option<String>,
    pub db_password: Redacted,
    // FIELD
}

#[derive(Debug)]
pub struct Database {
    pub host: String,
    pub password: Redacted,
}

pub struct Redacted(pub String);
impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[derive(serde::Deserialize)]
struct DbAdmin {
    password: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = std::env::var("AWSCONF_ENV")?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let p = |n: &str| format!("/{env}/orders/{n}");
    let out = ssm
        .get_parameters()
        .names(p("database/host"))
        .names(p("database/password"))
        .names(p("port"))
        .names(p("cache-url"))
        .with_decryption(true)
        .send()
        .await?;
    let values: HashMap<String, String> = out
        .parameters()
        .iter()
        .filter_map(|x| Some((x.name()?.to_string(), x.value()?.to_string())))
        .collect();
    let need = |n: &str| values.get(&p(n)).cloned().ok_or(format!("missing {}", p(n)));
    let secret = secrets
        .get_secret_value()
        .secret_id(format!("{env}/orders/db-admin"))
        .send()
        .await?;
    let admin: DbAdmin = serde_json::from_str(secret.secret_string().unwrap_or("{}"))?;
    let config = OrdersConfig {
        database: Database {
            host: need("database/host")?,
            password: Redacted(need("database/password")?),
        },
        port: values.get(&p("port")).map_or(Ok(8080), |v| v.parse())?,
        cache_url: values.get(&p("cache-url")).cloned(),
        db_password: Redacted(admin.password),
        // INIT
    };
    println!("{config:?}");
    Ok(())
}
EOF
}

make_crate() { # name, deps, main generator
  mkdir -p "$work/$1/src"
  manifest "$1" "$2" > "$work/$1/Cargo.toml"
  $3 > "$work/$1/src/main.rs"
  cp "$lock" "$work/$1/Cargo.lock"
}

make_crate baseline "aws-config = { version = \"1.13\", $sdk_features }
aws-sdk-ssm = { version = \"1\", $sdk_features }
aws-sdk-secretsmanager = { version = \"1\", $sdk_features }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }
serde = { version = \"1\", features = [\"derive\"] }
serde_json = \"1\"" baseline_main
make_crate loader-only "awsconf = { path = \"$repo/runtime\" }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" awsconf_main
make_crate cli "awsconf = { path = \"$repo/runtime\", features = [\"cli\"] }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" cli_main

seconds() { # command...: wall seconds, to 0.1
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; "$@" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.1f", $2 - $1}'
}

declare -A cold rebuild size
for c in baseline loader-only cli; do
  cd "$work/$c"
  cargo fetch -q
  echo "$c: cold debug build..." >&2
  cold[$c]=$(seconds cargo build --offline)
  # One more field, as a user adds one: the struct's line and, for the
  # hand-written loader, its initialiser. A rebuild takes a few seconds, so
  # one timing is noise-prone: five fields are added one at a time, and the
  # median of their five rebuilds is reported.
  echo "$c: rebuild after adding a field (5 times)..." >&2
  times=()
  for k in 1 2 3 4 5; do
    sed -i "s|    // FIELD|    pub retries$k: Option<u32>,\n    // FIELD|; s|        // INIT|        retries$k: values.get(\&p(\"retries$k\")).map(\|v\| v.parse()).transpose()?,\n        // INIT|" src/main.rs
    times+=("$(seconds cargo build --offline)")
  done
  rebuild[$c]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  echo "$c: rebuilds ${times[*]} s, median ${rebuild[$c]} s" >&2
  if $release; then
    # Size only (not timed): the three release builds share one target dir,
    # so the SDK's crates compile once.
    echo "$c: release build..." >&2
    CARGO_TARGET_DIR="$work/release-target" cargo build --offline --release -q
    size[$c]=$(stat -c %s "$work/release-target/release/$c")
  else
    size[$c]=0
  fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
mb() { awk -v a="$1" 'BEGIN { if (a > 0) printf "%.1f MB", a / 1e6; else printf "not measured" }'; }
table=$(
  echo "| crate | cold debug build | rebuild after adding a field | stripped release binary |"
  echo "|---|---:|---:|---:|"
  for c in baseline loader-only cli; do
    echo "| $c | ${cold[$c]} s ($(ratio "${cold[$c]}" "${cold[baseline]}")) | ${rebuild[$c]} s ($(ratio "${rebuild[$c]}" "${rebuild[baseline]}")) | $(mb "${size[$c]}") ($(ratio "${size[$c]}" "${size[baseline]}")) |"
  done
)
echo "$table"
if $write; then
  cd "$repo"
  python3 - "$table" "$(nproc)" <<'EOF'
import re, sys
table, cores = sys.argv[1], sys.argv[2]
section = f"""## Compile cost to a user's crate

`bench/compile-cost.sh`: the README's orders config in three crates outside the
workspace, each cold (its own target dir), on {cores} cores; ratios to the
hand-written baseline on the same SDK crates and features; a rebuild is the
median of five, each after one more field. Targets for
loader-only: cold ≤ 1.1x, rebuild ≤ 1.3x, binary ≤ 1.15x.

{table}
"""
text = open("BENCHMARKS.md").read()
# Up to the next section or the hand-written "###" notes after the table.
pattern = re.compile(r"## Compile cost to a user's crate\n.*?(?=\n##+ |\Z)", re.S)
text = pattern.sub(section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
EOF
fi
