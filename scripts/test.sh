#!/usr/bin/env bash
# Every test: installs the moto emulator into .venv (first run only), then runs
# the whole workspace's tests. Each test binary starts its own moto on a free
# 127.0.0.1 port and stops it when it ends.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# No colour codes in a log file or a pipe. Cargo and the test harness check for a
# terminal themselves; trybuild's colours (termcolor) only look at NO_COLOR/TERM.
if [ ! -t 1 ] || [ ! -t 2 ]; then
  export NO_COLOR=1 CARGO_TERM_COLOR=never
  # Without a terminal cargo shows no progress bar, and a long compile (the
  # trybuild cases build awsconf again) prints nothing for minutes: say so
  # every 30 s, on stderr.
  start=$SECONDS
  ( while sleep 30; do echo "scripts/test.sh: still running ($((SECONDS - start)) s)" >&2; done ) &
  heartbeat=$!
  trap 'kill $heartbeat 2>/dev/null' EXIT
fi

scripts/moto.sh install
# The default targets: unit, integration and doc tests of every crate, minus the
# targets marked `test = false` / `doctest = false` because they hold no tests
# (no empty "running 0 tests" blocks). `--all-targets` would run those too.
# Clippy (.ci/run) builds every target.
cargo test --workspace --exclude awsconf-bench
