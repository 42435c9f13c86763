#!/usr/bin/env bash
# Memory under concurrent large posts (issue 13, BENCHMARKS.md "Memory under concurrent large posts").
#
# POSTS (16) distinct TAXII envelopes of OBJECTS (177,600: 60 MB) synthetic objects each are
# posted at once by one user to a release build of `cybex serve` on a fresh SQLite store; refusals
# (503/429 with Retry-After) are retried by the client until every post is stored. Prints one JSON
# line: the server's peak RSS (VmHWM), its RSS right after the posts and SETTLE (10) seconds later,
# and the client's figures. SERVE_ARGS adds options to `cybex serve`, e.g. SERVE_ARGS="--body-memory-mib 100000"
# to take the body budget away; CLIENT_ARGS=--rest posts over the REST API instead. Needs python3; everything runs on 127.0.0.1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${BENCH_WORK:-/tmp/cybex-bench-memory}"
POSTS="${POSTS:-16}"; OBJECTS="${OBJECTS:-177600}"; PORT="${PORT:-5090}"; SETTLE="${SETTLE:-10}"
SERVE_ARGS="${SERVE_ARGS:-}"
CYBEX="$ROOT/.build/release/cybex"; BENCH="$ROOT/.build/release/Benchmarks"
[ -x "$CYBEX" ] && [ -x "$BENCH" ] || (cd "$ROOT" && swift build -c release --product cybex >/dev/null && swift build -c release --product Benchmarks >/dev/null)
mkdir -p "$WORK/envelopes"
files=()
for i in $(seq 0 $((POSTS - 1))); do
    f="$WORK/envelopes/envelope-$OBJECTS-$i.json"
    [ -s "$f" ] || "$BENCH" generate --objects "$OBJECTS" --first $((i * OBJECTS)) --envelope --out "$f"
    files+=("$f")
done
DATA="$(mktemp -d "$WORK/store.XXXX")"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
"$CYBEX" org add admin --data "$DATA" >/dev/null
"$CYBEX" user add bench --org admin --role admin --data "$DATA" <<<"bench-pass" >/dev/null
"$CYBEX" collection add bench --read admin --write admin --data "$DATA" >/dev/null
COLLECTION="$("$CYBEX" collection list --data "$DATA" | cut -f1 | head -1)"
# shellcheck disable=SC2086
"$CYBEX" serve --data "$DATA" --host 127.0.0.1 --port "$PORT" --log-level warning $SERVE_ARGS >/dev/null 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$PID/status"; }
before="$(rss VmRSS)"
# shellcheck disable=SC2086
client="$(python3 "$ROOT/scripts/bench-memory.py" --port "$PORT" --collection "$COLLECTION" ${CLIENT_ARGS:-} "${files[@]}")" || status=$?
after="$(rss VmRSS)"
sleep "$SETTLE"
settled="$(rss VmRSS)"
peak="$(rss VmHWM)"
echo "{\"posts\": $POSTS, \"objects_per_post\": $OBJECTS, \"envelope_bytes\": $(stat -c %s "${files[0]}"), \"serve_args\": \"$SERVE_ARGS\", \"rss_before_mib\": $before, \"peak_rss_mib\": $peak, \"rss_after_mib\": $after, \"rss_settled_mib\": $settled, \"client\": $client}"
exit "${status:-0}"
