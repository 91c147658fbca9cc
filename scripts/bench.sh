#!/usr/bin/env bash
# The fetch-plan benchmark: awsconf vs by-path paging, serial GetParameters
# batches and one GetParameter per field, at 0 and 20 ms added latency per
# request, for 10/100/1,000 parameters x 0/10/100 secrets; plus process start to
# config ready and peak RSS of the release quickstart; then the fleet benchmark
# (10, 50 and 200 instances starting at once under AWS's account quotas, and the
# 500-tenant SaaS), which rewrites its own section and bench/fleet.svg; then
# `events-bench` measures change events (event to new value served, calls per
# hour, and a fleet of 10/100/500 Lives on one topic: one event until every
# instance serves the new value) and rewrites its own sections and
# bench/events-fleet.svg; the start-up cost of a loader-only service against a
# hand-written SDK loader (`bench/startup`, built on its own so awsconf has its
# default features) is measured after the fleet. Prints the tables and rewrites
# BENCHMARKS.md. Takes several minutes on 2 cores.
#
#   scripts/bench.sh [--runs N] [--only p100s10,p1000s0] [--delays 20,0] [--no-quickstart] [--out PATH]
#                    [--fleet-sizes 10,50,200] [--no-fleet | --fleet-only | --startup-only]
#
# Sections one at a time: --fleet-only, --startup-only (awsconf-bench), and
#   target/release/events-bench [--fleet-only | --no-fleet] [--fleet-sizes 10,100,500]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/moto.sh install >&2
cargo build --release -p awsconf-bench -p awsconf-examples \
    --bin awsconf-bench --bin events-bench --bin quickstart --bin demo-seed
# On its own: awsconf with its default features only, as a plain dependency.
cargo build --release -p awsconf-startup
"${CARGO_TARGET_DIR:-target}/release/awsconf-bench" "$@"
exec "${CARGO_TARGET_DIR:-target}/release/events-bench"
