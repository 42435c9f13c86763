#!/usr/bin/env bash
# The cost of the request log at the default level (issue 14: under 5 %). Starts a release build of
# `cybex serve` twice on one store, at the default log level (info: one JSON line per request on
# standard error, to a file) and with --log-level warning, and measures both with wrk (2 threads,
# 16 connections, DURATION seconds) in ROUNDS alternating rounds on GET /taxii2/ and a read by id.
# Prints the requests/s of every round and the median ratio default/warning per path.
# OBJECTS (default 1,000) indicators are imported first; the read by id asks for one of them.
#   BIN=.build/release/cybex ROUNDS=5 DURATION=8 OBJECTS=1000000 scripts/bench-logging.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/.build/release/cybex}"; ROUNDS="${ROUNDS:-5}"; DURATION="${DURATION:-8}"; PORT="${PORT:-5191}"
OBJECTS="${OBJECTS:-1000}"
command -v wrk >/dev/null || { echo "bench-logging.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
WORK="$(mktemp -d)"; PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
"$BIN" org add cert --data "$WORK" >/dev/null
"$BIN" user add reader --org cert --role reader --data "$WORK" <<<"bench-password-1" >/dev/null
CID="$("$BIN" collection add bench --read cert --write cert --data "$WORK")"
python3 - "$WORK/bundle.json" "$OBJECTS" <<'PY'
import json, sys, uuid
objs = [{"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n, version=4)}",
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": f"i{n}",
         "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}
        for n in range(int(sys.argv[2]))]
json.dump({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}, open(sys.argv[1], "w"))
PY
"$BIN" import "$WORK/bundle.json" --collection "$CID" --data "$WORK" >/dev/null
OBJECT="indicator--$(python3 -c 'import uuid; print(uuid.UUID(int=500, version=4))')"
AUTH="Authorization: Basic $(printf 'reader:bench-password-1' | base64)"
PATHS=("/taxii2/" "/taxii2/cybex/collections/$CID/objects/$OBJECT/")
serve() {  # $1: extra arguments
    # shellcheck disable=SC2086
    "$BIN" serve --data "$WORK" --host 127.0.0.1 --port "$PORT" $1 >/dev/null 2>>"$WORK/serve.log" &
    PID=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    for p in "${PATHS[@]}"; do curl -s -o /dev/null -H "$AUTH" -H 'Accept: application/taxii+json;version=2.1' "http://127.0.0.1:$PORT$p"; done
}
measure() {  # $1: path -> requests/s
    wrk -t2 -c16 -d"${DURATION}s" -H "$AUTH" -H 'Accept: application/taxii+json;version=2.1' "http://127.0.0.1:$PORT$1" \
        | awk '/Requests\/sec/ { print $2 }'
}
declare -A results
for round in $(seq 1 "$ROUNDS"); do
    order=("default" "warning"); [ $((round % 2)) -eq 0 ] && order=("warning" "default")
    for level in "${order[@]}"; do
        serve "$([ "$level" = warning ] && echo '--log-level warning')"
        for i in "${!PATHS[@]}"; do
            rps="$(measure "${PATHS[$i]}")"
            results["$level,$i"]+="$rps "
            echo "round $round, $level, ${PATHS[$i]}: $rps requests/s"
        done
        kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    done
done
for i in "${!PATHS[@]}"; do
    python3 - "${PATHS[$i]}" "${results[default,$i]}" "${results[warning,$i]}" <<'PY'
import statistics, sys
path, d, w = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
ratios = [a / b for a, b in zip(d, w)]
print(f"{path}: default {statistics.median(d):.0f} req/s, warning {statistics.median(w):.0f} req/s, "
      f"median ratio default/warning {statistics.median(ratios):.3f}")
PY
done
