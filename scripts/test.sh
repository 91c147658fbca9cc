#!/usr/bin/env bash
# Every test: installs the moto emulator into .venv (first run only), then runs
# the whole workspace's tests. Each test binary starts its own moto on a free
# 127.0.0.1 port and stops it when it ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/moto.sh install
cargo test --workspace --all-targets --exclude awsconf-bench
cargo test --workspace --doc --exclude awsconf-bench
