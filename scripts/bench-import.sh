#!/usr/bin/env bash
# `cybex import`, whole command, on corpora with random (version 4) ids, as real feeds carry:
# for each mix (feed, even) and size (default 100,000 and 1,000,000 objects), a fresh SQLite
# store, then the import's wall time, objects/s, peak RSS, and the store's size on disk (database,
# WAL and shared memory, once the command has returned) against the JSON it holds. Also the same
# import as JSON Lines, for its peak RSS. Release builds:
#
#   swift build -c release --product cybex && swift build -c release --product Benchmarks
#   scripts/bench-import.sh                      # SIZES="100000 1000000" MIXES="feed even"
#
# Results go to stdout as one line per run; WORK (default /tmp/cybex-bench-import) holds the files.
#
# BASELINE=<another release build of cybex> pairs each import with the same import by that build,
# alternating, ROUNDS (default 3) times, and prints the median wall time of each and the median of
# the paired ratios (this build / baseline): a comparison that holds when the machine's speed drifts.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CYBEX="$ROOT/.build/release/cybex"
BENCH="$ROOT/.build/release/Benchmarks"
WORK="${WORK:-/tmp/cybex-bench-import}"
SIZES="${SIZES:-100000 1000000}"
MIXES="${MIXES:-feed even}"
mkdir -p "$WORK"

jsonl() { # a bundle file -> the same objects, one per line
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
with open(sys.argv[2],"w") as f:
    for o in d["objects"]: f.write(json.dumps(o,separators=(",",":"))+"\n")' "$1" "$2"
}

BASELINE="${BASELINE:-}"
ROUNDS="${ROUNDS:-3}"

run() { # label, file, objects[, binary]
    local label="$1" file="$2" data="$WORK/data-$1"
    local CYBEX="${4:-$CYBEX}"
    rm -rf "$data"
    "$CYBEX" org add bench --data "$data" >/dev/null
    local cid
    cid="$("$CYBEX" collection add Bench --data "$data")"
    local objects bytes
    objects="$3"
    bytes="$(stat -c %s "$file")"
    local start end
    start="$(date +%s.%N)"
    /usr/bin/time -f "%M" -o "$WORK/rss" "$CYBEX" import "$file" --collection "$cid" --data "$data" >/dev/null
    end="$(date +%s.%N)"
    local seconds rate rss disk wal
    seconds="$(echo "$end - $start" | bc -l)"
    rate="$(echo "$objects / $seconds" | bc -l)"
    rss="$(cat "$WORK/rss")"
    disk="$(du -cb "$data"/cybex.sqlite* | tail -n 1 | cut -f1)"
    wal="$(stat -c %s "$data/cybex.sqlite-wal" 2>/dev/null || echo 0)"
    printf '%s objects=%d seconds=%.2f objects_per_s=%.0f peak_rss_mib=%.0f json_mb=%.1f store_mb=%.1f store_over_json=%.2f wal_bytes=%d\n' \
        "$label" "$objects" "$seconds" "$rate" "$(echo "$rss / 1024" | bc -l)" "$(echo "$bytes / 1000000" | bc -l)" \
        "$(echo "$disk / 1000000" | bc -l)" "$(echo "$disk / $bytes" | bc -l)" "$wal"
}

paired() { # label, file, objects: ROUNDS alternating imports by this build and BASELINE
    local lines=()
    for round in $(seq 1 "$ROUNDS"); do
        lines+=("$(run "$1" "$2" "$3")")
        lines+=("$(run "$1-baseline" "$2" "$3" "$BASELINE")")
        printf '%s\n%s\n' "${lines[-2]}" "${lines[-1]}"
    done
    printf '%s\n' "${lines[@]}" | python3 -c '
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=([\d.]+)", line)) | {"label": line.split()[0]} for line in sys.stdin if line.strip()]
new = [float(r["seconds"]) for r in rows if not r["label"].endswith("-baseline")]
old = [float(r["seconds"]) for r in rows if r["label"].endswith("-baseline")]
print(f"{sys.argv[1]}: median {statistics.median(new):.2f} s against {statistics.median(old):.2f} s, "
      f"median paired ratio {statistics.median(a / b for a, b in zip(new, old)):.3f}")' "$1"
}

for mix in $MIXES; do
    for size in $SIZES; do
        file="$WORK/$mix-$size.json"
        [ -f "$file" ] || "$BENCH" generate --objects "$size" --out "$file" --random-ids --mix "$mix"
        if [ -n "$BASELINE" ]; then paired "$mix-$size" "$file" "$size"; continue; fi
        run "$mix-$size" "$file" "$size"
        if [ "$size" -ge 1000000 ]; then
            lines="$WORK/$mix-$size.jsonl"
            [ -f "$lines" ] || jsonl "$file" "$lines"
            run "$mix-$size-jsonl" "$lines" "$size"
        fi
    done
done
