#!/usr/bin/env bash
# TAXII POST, paired: this tree's release build and another build (BASELINE) serve a fresh store
# each, side by side, and every round posts the next OBJECTS objects of the harness's corpus to
# both, in envelopes of BUNDLE objects, one server then the other (the order swapped every round),
# with the harness's `bench_taxii.py ingest` (each POST, then its status polled until complete).
# Both stores therefore grow alike, round after round. Prints each round's objects/s for both and
# the median paired ratio (this build over BASELINE; above 1: this build is faster).
#
#   swift build -c release --product cybex
#   BENCH_WORK=../bench-work BENCH_HARNESS=../shared/bench BASELINE=/path/to/older/cybex scripts/bench-post.sh
#
# Knobs: ROUNDS (5), OBJECTS per round (5000), BUNDLE (1000), CORPUS (the harness's 100k corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_WORK:?set BENCH_WORK (scratch folder of the shared harness)}"
: "${BASELINE:?set BASELINE to the cybex binary to compare against}"
HARNESS="${BENCH_HARNESS:-../shared/bench}"
PY="$BENCH_WORK/venv/bin/python"
CORPUS="${CORPUS:-$BENCH_WORK/data/synthetic-100k.json}"
ROUNDS="${ROUNDS:-5}"; OBJECTS="${OBJECTS:-5000}"; BUNDLE="${BUNDLE:-1000}"
CYBEX="${CYBEX:-.build/release/cybex}"
[ -x "$PY" ] || { echo "run $HARNESS/setup_env.sh first (BENCH_WORK=$BENCH_WORK)" >&2; exit 1; }
[ -x "$CYBEX" ] || { echo "build first: swift build -c release --product cybex" >&2; exit 1; }
mkdir -p "$BENCH_WORK/run"

PIDS=(); DATAS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "${DATAS[@]}"' EXIT
serve() {  # serve BINARY PORT → starts it on a fresh store (user bench, one collection)
    local bin="$1" port="$2" data
    data="$(mktemp -d "$BENCH_WORK/run/post.XXXX")"; DATAS+=("$data")
    "$bin" org add admin --data "$data" >/dev/null
    "$bin" user add bench --org admin --role admin --data "$data" <<<"bench-pass" >/dev/null
    "$bin" collection add bench --read admin --write admin --data "$data" >/dev/null
    "$bin" serve --data "$data" --host 127.0.0.1 --port "$port" --log-level warning >/dev/null 2>"$BENCH_WORK/run/post-$port.log" &
    PIDS+=($!)
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0; sleep 0.1; done
    echo "the server on port $port did not come up" >&2; exit 1
}
serve "$CYBEX" 18301
serve "$BASELINE" 18302

post() {  # post PORT OFFSET → objects/s end to end
    "$PY" "$HARNESS/bench_taxii.py" --base "http://127.0.0.1:$1/taxii2" --api-root cybex --user bench \
        --password bench-pass --tmpdir "$BENCH_WORK/run" ingest --corpus "$CORPUS" --bundle-size "$BUNDLE" \
        --offset "$2" --max-objects "$OBJECTS" \
        | "$PY" -c "import json,sys; d=json.loads(sys.stdin.read()); assert d['all_complete'] and d['failure_count'] == 0, d; print(d['objects_per_s_end_to_end'])"
}

ratios=()
for round in $(seq 1 "$ROUNDS"); do
    offset=$(( (round - 1) * OBJECTS ))
    if [ $((round % 2)) -eq 1 ]; then this="$(post 18301 "$offset")"; base="$(post 18302 "$offset")"
    else base="$(post 18302 "$offset")"; this="$(post 18301 "$offset")"; fi
    ratio="$("$PY" -c "print(round($this / $base, 3))")"
    ratios+=("$ratio")
    echo "round $round (objects $offset-$((offset + OBJECTS))): this build $this objects/s, baseline $base objects/s, ratio $ratio"
done
"$PY" -c "import statistics,sys; print('median paired ratio (this build / baseline):', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
