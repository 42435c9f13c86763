#!/usr/bin/env bash
# Exposure matching at scale: one organisation's inventory of ITEMS products against RECORDS CVE JSON 5
# records in the store. The records come from Tests/interop/cve_records.py with a catalogue of CATALOGUE
# products (ten per vendor, each record naming one, with a semver range); the inventory is ITEMS distinct
# products spread over twice that catalogue, so about half are products some record names. Release build:
#
#   swift build -c release --product cybex
#   scripts/bench-exposure.sh                 # RECORDS=250000 ITEMS=100000 CATALOGUE=50000 RUNS=3
#
# The store (SQLite) is built once per size and kept in WORK. Each run times `cybex exposure --org constituent`
# (the matching: every vulnerability the organisation may read whose affected products name an item, read
# through the sharing policy and decided by the CVE version rules) and then `cybex exposure --refresh` (the
# same, plus writing the remediation duties; the first run creates them, later ones find nothing to change).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CYBEX="${CYBEX:-$ROOT/.build/release/cybex}"
WORK="${WORK:-/tmp/cybex-bench-exposure}"
RECORDS="${RECORDS:-250000}"
ITEMS="${ITEMS:-100000}"
CATALOGUE="${CATALOGUE:-50000}"
RUNS="${RUNS:-3}"
mkdir -p "$WORK"
ZIP="$WORK/cves-$RECORDS-$CATALOGUE.zip"
CSV="$WORK/inventory-$ITEMS-$CATALOGUE.csv"
DATA="$WORK/data-$RECORDS-$ITEMS-$CATALOGUE"
if [ ! -f "$ZIP" ]; then
    echo "writing $RECORDS records to $ZIP"
    python3 "$ROOT/Tests/interop/cve_records.py" "$RECORDS" "$ZIP" "$CATALOGUE"
fi
if [ ! -f "$CSV" ]; then python3 "$ROOT/Tests/interop/cve_records.py" inventory "$ITEMS" "$CATALOGUE" "$CSV"; fi
if [ ! -d "$DATA" ]; then
    "$CYBEX" org add --data "$DATA" cirt > /dev/null
    "$CYBEX" org add --data "$DATA" constituent --parent cirt > /dev/null
    collection="$("$CYBEX" collection add --data "$DATA" cves --read cirt --read constituent --write cirt | tail -n 1)"
    "$CYBEX" import --data "$DATA" --collection "$collection" --owner cirt --format cve "$ZIP" | tail -n 1
    "$CYBEX" inventory import --data "$DATA" --org constituent "$CSV"
fi
seconds() { /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" > "$WORK/out"; cat "$WORK/time"; }
matching=()
refresh=()
for run in $(seq 1 "$RUNS"); do
    read -r m mrss < <(seconds "$CYBEX" exposure --data "$DATA" --org constituent --json)
    findings="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$WORK/out")"
    read -r r rrss < <(seconds "$CYBEX" exposure --data "$DATA" --refresh)
    echo "run $run: matching $m s (${findings} findings, peak RSS $((mrss / 1024)) MiB); refresh $r s ($(cat "$WORK/out"), peak RSS $((rrss / 1024)) MiB)"
    matching+=("$m")
    refresh+=("$r")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "median: matching $(median "${matching[@]}") s, refresh $(median "${refresh[@]}") s ($ITEMS items, $RECORDS records, catalogue $CATALOGUE, $RUNS runs)"
