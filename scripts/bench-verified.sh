#!/usr/bin/env bash
# Verified builds, compile-time cost: a generated crate with a config of 1,000
# fields (10 components of 100 parameters) and a map whose 9,000 entries make
# the snapshot 10,000 names, checked with `cargo check` from cold (the crate
# itself; its dependencies built once beforehand, not timed), with the check
# off (AWSCONF_SNAPSHOTS=off, as without snapshots) and on, each RUNS times.
# Prints the figures and writes them into BENCHMARKS.md ("Verified builds").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${RUNS:-3}
gen=$root/target/verified-bench/gen
# The trybuild target directory already holds awsconf's dependencies built
# without the SDK services, as this crate uses it.
export CARGO_TARGET_DIR=$root/target/tests/trybuild
mkdir -p "$gen/src" "$gen/.awsconf"
cp Cargo.lock "$gen/Cargo.lock"
cat > "$gen/Cargo.toml" <<TOML
[package]
name = "verified-bench-gen"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
awsconf = { path = "$root/runtime", default-features = false }

[workspace]
TOML
python3 - "$gen" <<'PY'
import json, sys
gen = sys.argv[1]
comps, per, entries = 10, 100, 9000
src = ["use std::collections::BTreeMap;", "use awsconf::AwsConfig;", "",
       "#[derive(AwsConfig)]", '#[aws_config(app = "big")]', "pub struct Big {"]
for c in range(comps):
    src += ["    #[component]", f"    pub c{c}: C{c},"]
src += ["    #[component]", "    pub tenants: BTreeMap<String, Tenant>,", "}", ""]
for c in range(comps):
    src += ["#[derive(AwsConfig)]", f"pub struct C{c} {{"]
    src += [f"    pub p{i}: String," for i in range(per)]
    src += ["}", ""]
src += ["#[derive(AwsConfig)]", "pub struct Tenant {", "    pub plan: String,", "}", ""]
open(f"{gen}/src/lib.rs", "w").write("\n".join(src))
params = [{"name": f"/prod/big/c{c}/p{i}", "exists": True, "type": "String", "version": 1}
          for c in range(comps) for i in range(per)]
names = [f"/prod/big/tenants/t{k:05}/plan" for k in range(entries)]
params += [{"name": n, "exists": True, "type": "String", "version": 1} for n in names]
params.sort(key=lambda p: p["name"])
snap = {"format": 1, "env": "prod", "app": "big", "config": "Big", "parameters": params,
        "maps": [{"prefix": "/prod/big/tenants", "names": sorted(names)}], "secrets": []}
open(f"{gen}/.awsconf/prod.json", "w").write(json.dumps(snap, indent=2) + "\n")
print(f"{comps * per + 1} fields, {len(params)} names in the snapshot "
      f"({len(open(f'{gen}/.awsconf/prod.json').read()) // 1024} KiB)")
PY
cd "$gen"
AWSCONF_SNAPSHOTS=off cargo check -q   # dependencies, not timed
time_check() {
  local best=999999 all=""
  for _ in $(seq "$runs"); do
    touch src/lib.rs
    local t0 t1 ms
    t0=$(date +%s%N)
    env "$@" cargo check -q
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    all="$all $ms"
    (( ms < best )) && best=$ms
  done
  echo "$best|${all# }"
}
off=$(time_check AWSCONF_SNAPSHOTS=off)
on=$(time_check AWSCONF_SNAPSHOTS=.awsconf)
printf 'cargo check, check off (no snapshots): best %s ms (runs: %s ms)\n' "${off%%|*}" "${off#*|}"
printf 'cargo check, check on (10,000 names):  best %s ms (runs: %s ms)\n' "${on%%|*}" "${on#*|}"
cd "$root"
python3 - "${off%%|*}" "${off#*|}" "${on%%|*}" "${on#*|}" "$runs" <<'PY'
import re, sys, platform, os
off, off_all, on, on_all, runs = sys.argv[1:]
section = f"""## Verified builds: compile-time cost

`scripts/bench-verified.sh` generates a crate whose root config has 1,001 fields (10
components of 100 parameters, and a map) and a snapshot of 10,000 names (the 1,000
parameters and 9,000 map entries, each checked against the entry struct), then times
`cargo check` of that crate from cold (its dependencies already built; {runs} runs,
best and all) with the check off and on. Machine: {os.cpu_count()} cores, {platform.machine()}.

| `cargo check` of the crate | best | runs |
|---|---|---|
| check off (`AWSCONF_SNAPSHOTS=off`, as with no snapshot) | {off} ms | {off_all.replace(' ', ', ')} ms |
| check on (1,001 fields, 10,000 names) | {on} ms | {on_all.replace(' ', ', ')} ms |
| the check's cost | {int(on) - int(off)} ms | |

The cost is the snapshot embedded as `const` data (10,000 names) and the `const fn`
walk the compiler evaluates (one bisection per declared name); a crate with no
snapshot pays nothing, since the derive emits no check.
"""
text = open("BENCHMARKS.md").read()
pat = re.compile(r"## Verified builds: compile-time cost\n.*?(?=\n## |\Z)", re.S)
text = pat.sub(section.rstrip("\n") + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
print("BENCHMARKS.md updated")
PY
