#!/usr/bin/env bash
# Verified builds: editing a snapshot, or adding one, rebuilds the crate that
# derives its config, and the compile-time check sees the change. Runs
# `cargo check` on the example crate (examples/verified-build), which has
# `.awsconf/` and the two-line build.rs that watches the directory.
# Restores every file it touches, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=examples/verified-build/.awsconf
pkg=awsconf-example-verified-build
backup=$(mktemp -d)
cp "$dir"/*.json "$backup"/
restore() { rm -f "$dir"/*.json; cp "$backup"/*.json "$dir"/; rm -rf "$backup"; }
trap restore EXIT
unset AWSCONF_SNAPSHOTS

check() { cargo check -q -p "$pkg" 2>&1; }
expect_ok() {
  if ! out=$(check); then echo "FAIL: $1: the build failed:"; echo "$out"; exit 1; fi
  echo "ok: $1"
}
expect_error() {
  if out=$(check); then echo "FAIL: $1: the build passed"; exit 1; fi
  if ! grep -qF -- "$2" <<<"$out"; then echo "FAIL: $1: no \"$2\" in:"; echo "$out"; exit 1; fi
  echo "ok: $1: $(grep -F -- "$2" <<<"$out" | head -1 | sed 's/^ *//')"
}

expect_ok "the committed snapshots"

# Editing a snapshot: the west warehouse loses its region in production.
python3 - "$dir/production.json" <<'PY'
import json, sys
p = sys.argv[1]; s = json.load(open(p))
for x in s["parameters"]:
    if x["name"] == "/production/shop/warehouses/west/region":
        x.clear(); x.update({"name": "/production/shop/warehouses/west/region", "exists": False})
json.dump(s, open(p, "w"), indent=2)
PY
expect_error "an edited snapshot" "field \`warehouses.west.region\` is required, but parameter /production/shop/warehouses/west/region does not exist"
cp "$backup/production.json" "$dir/production.json"
expect_ok "the snapshot restored"

# Adding a snapshot: a qa environment without the database host.
python3 - "$dir/staging.json" "$dir/qa.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
text = json.dumps(s, indent=2).replace("/staging/", "/qa/").replace('"staging', '"qa')
s = json.loads(text)
for x in s["parameters"]:
    if x["name"] == "/qa/shop/database/host":
        x.clear(); x.update({"name": "/qa/shop/database/host", "exists": False})
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY
expect_error "an added snapshot" "env \`qa\` (.awsconf/qa.json): field \`database.host\` is required"
rm "$dir/qa.json"
expect_ok "the added snapshot removed"

# AWSCONF_SNAPSHOTS=off turns the check off (and changing it rebuilds).
cp "$backup/production.json" "$dir/production.json"
sed -i 's/"SecureString"/"String"/' "$dir/production.json"
expect_error "a SecureString now a String" "is a plain String, stored unencrypted"
AWSCONF_SNAPSHOTS=off expect_ok "the same with AWSCONF_SNAPSHOTS=off"
# A variable that names no directory of snapshots (a typo) is an error, not a
# check turned off without a word.
AWSCONF_SNAPSHOTS=snapshotz expect_error "AWSCONF_SNAPSHOTS naming nothing" "AWSCONF_SNAPSHOTS=\"snapshotz\" names"
# A snapshot whose env is not its file's name (a copied file) is refused.
cp "$backup/production.json" "$dir/production.json"
cp "$dir/production.json" "$dir/qa.json"
expect_error "a copied snapshot" "its env is \`production\`, not \`qa\`"
rm "$dir/qa.json"
expect_ok "the copy removed"
echo "all rebuild checks passed"
