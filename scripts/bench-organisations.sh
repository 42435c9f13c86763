#!/usr/bin/env bash
# A read by id on a node with many organisations: a store of 1,000 objects (the harness's corpus)
# posted by organisation `admin`, and ORGS constituent organisations of `admin`, each with a
# default TLP of its own (as a national CIRT's constituents may have); wrk reads one indicator by
# id (2 threads, 16 connections, DURATION seconds). With BASELINE=<another release build> both
# builds are measured in alternating rounds on stores made alike, and the median paired ratio
# printed (above 1: this build is faster).
#
#   swift build -c release --product cybex
#   BENCH_WORK=../bench-work scripts/bench-organisations.sh                     # ORGS="0 1000"
#   BENCH_WORK=../bench-work BASELINE=/path/to/older/cybex ROUNDS=3 scripts/bench-organisations.sh
#
# DATABASE=postgres://user:pass@host:port/db measures on PostgreSQL instead: each store is a fresh
# database (cybex_bench_organisations) made on that server, whose user needs CREATEDB.
#
# The constituents are written straight into the database (one transaction, sqlite3 or psql) so
# that making a thousand of them takes a second; nothing else is written that way.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_WORK:?set BENCH_WORK (scratch folder of the shared harness, with data/synthetic-100k.json)}"
CORPUS="${CORPUS:-$BENCH_WORK/data/synthetic-100k.json}"
CYBEX="${CYBEX:-.build/release/cybex}"
BASELINE="${BASELINE:-}"
ORGS="${ORGS:-0 1000}"; ROUNDS="${ROUNDS:-1}"; DURATION="${DURATION:-5}"; PORT="${PORT:-18450}"
command -v wrk >/dev/null || { echo "wrk is needed (Debian: apt-get install wrk)" >&2; exit 1; }
DATABASE="${DATABASE:-}"
if [ -n "$DATABASE" ]; then
    command -v psql >/dev/null || { echo "psql is needed (Debian: apt-get install postgresql-client)" >&2; exit 1; }
    STORE_URL="${DATABASE%/*}/cybex_bench_organisations"
else
    command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (Debian: apt-get install sqlite3)" >&2; exit 1; }
fi
sql() {  # sql DATA → runs standard input on the store
    if [ -n "$DATABASE" ]; then psql -q -X -v ON_ERROR_STOP=1 -At "$STORE_URL"; else sqlite3 "$1/cybex.sqlite"; fi
}
[ -x "$CYBEX" ] || { echo "build first: swift build -c release --product cybex" >&2; exit 1; }
mkdir -p "$BENCH_WORK/run"
ENVELOPE="$BENCH_WORK/run/organisations-envelope.json"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["objects"][:1000]; json.dump({"objects":o},open(sys.argv[2],"w")); print([x["id"] for x in o if x["type"]=="indicator"][0])' \
    "$CORPUS" "$ENVELOPE" > "$BENCH_WORK/run/organisations-id"
ID="$(cat "$BENCH_WORK/run/organisations-id")"

measure() {  # measure BINARY ORGS → requests/s
    local bin="$1" count="$2" data pid collection admin rate
    data="$(mktemp -d "$BENCH_WORK/run/organisations.XXXX")"
    local store=(--data "$data")
    if [ -n "$DATABASE" ]; then
        psql -q -X -v ON_ERROR_STOP=1 "$DATABASE" -c "DROP DATABASE IF EXISTS cybex_bench_organisations" \
            -c "CREATE DATABASE cybex_bench_organisations" >/dev/null
        store+=(--database "$STORE_URL")
    fi
    "$bin" org add admin "${store[@]}" >/dev/null
    "$bin" user add bench --org admin --role admin "${store[@]}" <<<"bench-pass" >/dev/null
    collection="$("$bin" collection add bench --read admin --write admin "${store[@]}")"
    admin="$(echo "SELECT id FROM organisations WHERE name = 'admin';" | sql "$data")"
    python3 - "$count" "$admin" <<'PY' | sql "$data" >/dev/null
import sys, uuid
count, admin = int(sys.argv[1]), sys.argv[2]
levels = ["clear", "green", "amber", "amber+strict", "red"]
print("BEGIN;")
for n in range(count):
    print(f"INSERT INTO organisations (id, name, created_at, parent_id, default_tlp) VALUES "
          f"('{uuid.uuid4()}', 'constituent-{n}', 1, '{admin}', '{levels[n % 5]}');")
print("COMMIT;")
PY
    "$bin" serve "${store[@]}" --host 127.0.0.1 --port "$PORT" --log-level warning >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    curl -sf -u bench:bench-pass -H 'Content-Type: application/taxii+json;version=2.1' --data-binary @"$ENVELOPE" \
        "http://127.0.0.1:$PORT/taxii2/cybex/collections/$collection/objects/" >/dev/null
    rate="$(wrk -t2 -c16 -d"${DURATION}s" -H "Authorization: Basic $(printf bench:bench-pass | base64)" \
        -H 'Accept: application/taxii+json;version=2.1' \
        "http://127.0.0.1:$PORT/taxii2/cybex/collections/$collection/objects/$ID/" | awk '/Requests\/sec/ {print $2}')"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$data"
    echo "$rate"
}

for count in $ORGS; do
    ratios=()
    for round in $(seq 1 "$ROUNDS"); do
        this="$(measure "$CYBEX" "$count")"
        if [ -n "$BASELINE" ]; then
            base="$(measure "$BASELINE" "$count")"
            ratios+=("$(python3 -c "print(round($this / $base, 3))")")
            echo "$count organisations, round $round: this build $this requests/s, baseline $base requests/s"
        else
            echo "$count organisations, round $round: $this requests/s"
        fi
    done
    if [ -n "$BASELINE" ]; then
        python3 -c "import statistics,sys; print('$count organisations: median paired ratio', statistics.median(map(float, sys.argv[1:])))" "${ratios[@]}"
    fi
done
