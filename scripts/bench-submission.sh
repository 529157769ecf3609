#!/usr/bin/env bash
# The monthly-submission benchmark (issue 5): extract from a 50,000-client encrypted database,
# `ndtms validate` on that extract and on a 1,000,000-row file, a parse-only pass with the csv
# crate, and `frictionless validate` with the exported Table Schema, all in one run.
# Not part of the test command: it takes several minutes. Figures are printed, not asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-submission
mkdir -p "$out"

echo "== in-process: extract, check, parse-only (cargo bench) =="
cargo bench -p ndtms-submission --bench submission 2>&1 | grep -v -E '^\s+(Compiling|Finished|Running)'

echo "== ndtms validate (release binary, wall clock, best of 3) =="
cargo build --release -p ndtms-cli --quiet
best() {
  local best=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null || true
    e=$(date +%s.%N)
    best=$(python3 -c "b='$best'; t=$e-$s; print(t if b=='' or t<float(b) else b)")
  done
  echo "$best"
}
rows() { python3 -c "import sys; print(sum(1 for _ in open(sys.argv[1], 'rb')) - 1)" "$1"; }
for f in extract million; do
  n=$(rows "$out/$f.csv")
  t=$(best target/release/ndtms validate "$out/$f.csv" --dataset AD --as-of 05/11/2026)
  python3 -c "print(f'ndtms validate $f.csv: $n rows in {float($t):.2f} s = {$n/float($t):,.0f} rows/s')"
done

echo "== frictionless validate with the exported Table Schema (20,000-row sample) =="
if [ ! -x target/bench-venv/bin/frictionless ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install --quiet frictionless
fi
head -n 20001 "$out/million.csv" > "$out/sample20k.csv"
s=$(date +%s.%N)
target/bench-venv/bin/frictionless validate --schema "$out/schema.json" "$out/sample20k.csv" | tail -3
e=$(date +%s.%N)
f_rate=$(python3 -c "print(20000/($e-$s))")
t=$(best target/release/ndtms validate "$out/sample20k.csv" --dataset AD --as-of 05/11/2026)
python3 -c "f=$f_rate; n=20000/float($t); print(f'frictionless: {f:,.0f} rows/s; ndtms on the same sample: {n:,.0f} rows/s; ndtms is {n/f:.0f}x faster, and also checks the cross-field and cross-row rules')"

echo "== the exported JSON Schema, checked by Python's jsonschema =="
target/release/ndtms schema --format json-schema --dataset AD --as-of 05/11/2026 > "$out/row.schema.json"
target/release/ndtms generate --dataset AD --clients 300 --seed 9 --month 2026-10 -o "$out/clean300.csv" 2>/dev/null
target/release/ndtms generate --dataset AD --clients 300 --seed 9 --month 2026-10 --error-rate 0.3 -o "$out/bad300.csv" 2>/dev/null
target/bench-venv/bin/python - "$out" <<'PY'
import csv, json, sys, jsonschema
out = sys.argv[1]
schema = json.load(open(f"{out}/row.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for name in ("clean300.csv", "bad300.csv"):
    rows = list(csv.DictReader(open(f"{out}/{name}", newline="")))
    bad = sum(1 for r in rows if next(v.iter_errors(r), None) is not None)
    print(f"{name}: {len(rows)} rows, {bad} rejected by the JSON Schema")
PY
# The same file by ndtms, for comparison (it exits 1 because the file has errors).
(target/release/ndtms validate "$out/bad300.csv" --dataset AD --as-of 05/11/2026 || true) | tail -1
