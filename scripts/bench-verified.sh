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
# Cold: no incremental cache (it would keep the check's result between runs).
export CARGO_INCREMENTAL=0
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
# Wall time and CPU time (user + system of cargo and rustc): on a shared
# machine the wall time varies with the other load, the CPU time much less.
tf=$(mktemp)
time_check() {
  local best=999999 bcpu=0 all=""
  for _ in $(seq "$runs"); do
    touch src/lib.rs
    local out wall cpu
    /usr/bin/time -o "$tf" -f "%e %U %S" env "$@" cargo check -q 2>/dev/null
    read -r w u s < "$tf"
    wall=$(python3 -c "print(round($w*1000))")
    cpu=$(python3 -c "print(round(($u+$s)*1000))")
    all="$all ${wall}/${cpu}"
    if (( cpu < best )); then best=$cpu; bwall=$wall; fi
  done
  echo "$bwall|$best|${all# }"
}
off=$(time_check AWSCONF_SNAPSHOTS=off)
on=$(time_check AWSCONF_SNAPSHOTS=.awsconf)
IFS='|' read -r off_wall off_cpu off_all <<<"$off"
IFS='|' read -r on_wall on_cpu on_all <<<"$on"
echo "cargo check, check off (no snapshots): ${off_wall} ms wall, ${off_cpu} ms CPU (runs, wall/CPU ms: $off_all)"
echo "cargo check, check on (10,000 names):  ${on_wall} ms wall, ${on_cpu} ms CPU (runs, wall/CPU ms: $on_all)"
cd "$root"
python3 - "$off_wall" "$off_cpu" "$off_all" "$on_wall" "$on_cpu" "$on_all" "$runs" <<'PY'
import re, sys, platform, os
off_wall, off_cpu, off_all, on_wall, on_cpu, on_all, runs = sys.argv[1:]
section = f"""## Verified builds: compile-time cost

`scripts/bench-verified.sh` generates a crate whose root config has 1,001 fields (10
components of 100 parameters, and a map) and a snapshot of 10,000 names (the 1,000
parameters and 9,000 map entries, each entry checked against the entry struct), then
times `cargo check` of that crate from cold (no incremental cache; its dependencies
already built; {runs} runs, the one with the least CPU shown) with the check off and on.
CPU is user + system time of cargo and rustc; the wall time depends on what else the
machine runs ({os.cpu_count()} cores, {platform.machine()}, shared with other builds).

| `cargo check` of the crate | wall | CPU | runs (wall/CPU ms) |
|---|---|---|---|
| check off (`AWSCONF_SNAPSHOTS=off`, as with no snapshot) | {off_wall} ms | {off_cpu} ms | {off_all} |
| check on (1,001 fields, 10,000 names) | {on_wall} ms | {on_cpu} ms | {on_all} |
| the check's cost | | {int(on_cpu) - int(off_cpu)} ms CPU | |

The cost is the snapshot embedded as `const` data and the `const fn` walk the
compiler's interpreter evaluates (one bisection per declared name and map-entry
field). A crate with no snapshot pays nothing: the derive emits no check. At this
size rustc also prints "constant evaluation is taking a long time" (a warning, the
build goes on).
"""
text = open("BENCHMARKS.md").read()
pat = re.compile(r"## Verified builds: compile-time cost\n.*?(?=\n## |\Z)", re.S)
text = pat.sub(section.rstrip("\n") + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
open("BENCHMARKS.md", "w").write(text)
print("BENCHMARKS.md updated")
PY
