#!/usr/bin/env bash
# Cybex against the reference TAXII 2.1 server (medallion), measured side by side in one run
# with the shared TAXII benchmark harness, at the sizes medallion can handle; then Cybex alone at
# 100,000 and 1,000,000 objects.
#
#   BENCH_WORK=../bench-work BENCH_HARNESS=../shared/bench scripts/bench-taxii.sh [phase ...]
#
# Needs: $BENCH_HARNESS/setup_env.sh run once with the same BENCH_WORK (venv with medallion,
# taxii2-client, wrk, data/synthetic-100k.json). Builds cybex in release mode. Phases (default
# all): ingest reads paginate load big million. `policy` (not in the default list) measures the cost of the
# sharing policy: BASELINE_CYBEX=<release binary of the foundation> against this tree's, both serving at
# once, RUNS rounds of paired reads (prints the median of the paired ratios). Results: JSON lines in
# $BENCH_WORK/results/side-by-side.jsonl (label "<server>:<measurement>"), medians printed at the end.
# BENCH_POSTGRES=postgres://… (a role that may create databases) runs Cybex on a fresh PostgreSQL
# database per start instead of SQLite (labels cybex-postgres; needs psql).
# Everything talks to 127.0.0.1 only; every loop is bounded by count and time.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${BENCH_WORK:?set BENCH_WORK (scratch folder of the shared harness)}"
HARNESS="$(cd "${BENCH_HARNESS:-$ROOT/../shared/bench}" && pwd)"
PY="$BENCH_WORK/venv/bin/python"
H="$HARNESS/bench_taxii.py"
RUNS="${RUNS:-3}"
CORPUS="${CORPUS:-$BENCH_WORK/data/synthetic-100k.json}"
OUT="$BENCH_WORK/results"; mkdir -p "$OUT" "$BENCH_WORK/run"
RES="$OUT/side-by-side.jsonl"
PHASES="${*:-ingest reads paginate load big million}"
SERVERS="${SERVERS:-medallion cybex}"   # which servers the side-by-side phases measure
MPORT=5000; CPORT=5080
CYBEX="$ROOT/.build/release/cybex"
BUILT_CYBEX="$CYBEX"

(cd "$ROOT" && swift build -c release --product cybex >/dev/null) || { echo "build failed" >&2; exit 1; }
[ -x "$PY" ] || { echo "run $HARNESS/setup_env.sh first (BENCH_WORK=$BENCH_WORK)" >&2; exit 1; }

emit() {  # emit LABEL RUN -- command...
    local label="$1" run="$2"; shift 3
    local line
    line="$("$@")" || { echo "FAILED: $label run $run" >&2; return 1; }
    echo "$line" | "$PY" -c "import json,sys; d=json.loads(sys.stdin.read()); d['label']='$label'; d['run']=$run; print(json.dumps(d))" | tee -a "$RES"
}

# With BENCH_POSTGRES=postgres://user:pass@host:port/db (a role that may create databases), Cybex's
# store is a fresh PostgreSQL database on that server for each start instead of SQLite; results are
# then labelled cybex-postgres. The `million` and `policy` phases always use SQLite.
BENCH_POSTGRES="${BENCH_POSTGRES:-}"
CYBEX_LABEL=cybex; [ -n "$BENCH_POSTGRES" ] && CYBEX_LABEL=cybex-postgres
CYBEX_PID=""; CYBEX_DATA=""; CYBEX_DB=""
store_args() { if [ -n "$CYBEX_DB" ]; then echo "--database ${BENCH_POSTGRES%/*}/$CYBEX_DB"; else echo "--data $CYBEX_DATA"; fi; }
cybex_start() {  # a fresh store each time, user bench/bench-pass, one read/write collection
    CYBEX_DATA="$(mktemp -d "$BENCH_WORK/run/cybex.XXXX")"
    if [ -n "$BENCH_POSTGRES" ]; then
        CYBEX_DB="cybex_bench_$(basename "$CYBEX_DATA" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
        psql -q "$BENCH_POSTGRES" -c "CREATE DATABASE $CYBEX_DB" >/dev/null || { echo "cannot create database $CYBEX_DB" >&2; exit 1; }
    fi
    local store; store="$(store_args)"
    "$CYBEX" org add admin $store >/dev/null
    "$CYBEX" user add bench --org admin --role admin $store <<<"bench-pass" >/dev/null
    "$CYBEX" collection add bench --read admin --write admin $store >/dev/null
    "$CYBEX" serve $store --host 127.0.0.1 --port "$CPORT" --log-level warning >/dev/null 2>"$BENCH_WORK/run/cybex.log" &
    CYBEX_PID=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$CPORT/healthz" && return 0; sleep 0.1; done
    echo "cybex did not come up" >&2; cat "$BENCH_WORK/run/cybex.log" >&2; exit 1
}
cybex_stop() {
    [ -n "$CYBEX_PID" ] && kill "$CYBEX_PID" 2>/dev/null && wait "$CYBEX_PID" 2>/dev/null; CYBEX_PID=""; rm -rf "$CYBEX_DATA"
    if [ -n "$CYBEX_DB" ]; then psql -q "$BENCH_POSTGRES" -c "DROP DATABASE IF EXISTS $CYBEX_DB" >/dev/null; CYBEX_DB=""; fi
}
medallion_start() { BENCH_WORK="$BENCH_WORK" "$HARNESS/server_ctl.sh" start "$MPORT" >/dev/null; }
medallion_stop() { BENCH_WORK="$BENCH_WORK" "$HARNESS/server_ctl.sh" stop >/dev/null 2>&1; }
trap 'cybex_stop; medallion_stop; [ ${#POLICY_PIDS[@]} -gt 0 ] && kill "${POLICY_PIDS[@]}" 2>/dev/null' EXIT

# server NAME → start/stop/pid/harness args
start() { if [ "$1" = cybex ]; then cybex_start; else medallion_start; fi; }
stop() { if [ "$1" = cybex ]; then cybex_stop; else medallion_stop; fi; }
label() { if [ "$1" = cybex ]; then echo "$CYBEX_LABEL"; else echo "$1"; fi; }
pid() { if [ "$1" = cybex ]; then echo "$CYBEX_PID"; else cat "$BENCH_WORK/run/medallion.pid"; fi; }
args() {
    if [ "$1" = cybex ]; then echo "--base http://127.0.0.1:$CPORT/taxii2 --api-root cybex --user bench --password bench-pass --tmpdir $BENCH_WORK/run"
    else echo "--base http://127.0.0.1:$MPORT --tmpdir $BENCH_WORK/run"; fi
}

# The policy phase: the foundation's binary and this one, both serving at once (two ports, a
# store each), each given the 100k corpus over TAXII by organisation admin in a collection that
# organisation partner reads too. Then RUNS rounds: in each, the owner (bench) and a reader of
# partner, whom the sharing policy filters (every object is TLP:AMBER by default; reads of AMBER are
# audited), page through it (limit=1000, following next) on both servers back to back, the order
# swapped every round; the server's own CPU time for each read is recorded too. Reading both in
# the same moment cancels the machine's drift, which is larger than the effect measured.
POLICY_PIDS=()
policy_server() {  # policy_server BINARY PORT → starts it on a fresh store, prints "PID DATA COLLECTION"
    local bin="$1" port="$2" data
    data="$(mktemp -d "$BENCH_WORK/run/cybex.XXXX")"
    "$bin" org add admin --data "$data" >/dev/null
    "$bin" org add partner --data "$data" >/dev/null
    "$bin" user add bench --org admin --role admin --data "$data" <<<"bench-pass" >/dev/null
    "$bin" user add reader --org partner --role reader --data "$data" <<<"reader-pass" >/dev/null
    "$bin" collection add bench --read admin --read partner --write admin --data "$data" >/dev/null
    "$bin" serve --data "$data" --host 127.0.0.1 --port "$port" --log-level warning >/dev/null 2>"$BENCH_WORK/run/cybex-$port.log" &
    local pid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
    echo "$pid $data $("$bin" collection list --data "$data" | cut -f1 | head -1)"
}
policy_read() {  # policy_read LABEL RUN PID PORT COLLECTION USER PASSWORD
    local label="$1" run="$2" pid="$3" port="$4" coll="$5" who="$6" pass="$7" ticks
    local base="--base http://127.0.0.1:$port/taxii2 --api-root cybex --collection $coll --tmpdir $BENCH_WORK/run"
    ticks="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    emit "$label:policy_paginate_${who/bench/owner}_100k" "$run" -- "$PY" "$H" $base --user "$who" --password "$pass" --time-limit 300 paginate --limit 1000
    ticks=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - ticks ))
    emit "$label:policy_server_cpu_${who/bench/owner}_100k" "$run" -- echo "{\"server_cpu_s\": $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }')}"
}
policy_phase() {
    local f c
    read -r -a f <<<"$(policy_server "$BASELINE_CYBEX" $((CPORT + 1)))"
    read -r -a c <<<"$(policy_server "$BUILT_CYBEX" $((CPORT + 2)))"
    POLICY_PIDS=("${f[0]}" "${c[0]}")
    for port_coll in "$((CPORT + 1)) ${f[2]}" "$((CPORT + 2)) ${c[2]}"; do
        set -- $port_coll
        "$PY" "$H" --base "http://127.0.0.1:$1/taxii2" --api-root cybex --collection "$2" --tmpdir "$BENCH_WORK/run" \
            --user bench --password bench-pass --time-limit 300 ingest --corpus "$CORPUS" --bundle-size 1000 >/dev/null
    done
    local r who pass
    for r in $(seq 1 "$RUNS"); do
        for who in bench reader; do
            pass=$([ $who = bench ] && echo bench-pass || echo reader-pass)
            if [ $((r % 2)) = 1 ]; then
                policy_read foundation "$r" "${f[0]}" $((CPORT + 1)) "${f[2]}" $who $pass
                policy_read cybex "$r" "${c[0]}" $((CPORT + 2)) "${c[2]}" $who $pass
            else
                policy_read cybex "$r" "${c[0]}" $((CPORT + 2)) "${c[2]}" $who $pass
                policy_read foundation "$r" "${f[0]}" $((CPORT + 1)) "${f[2]}" $who $pass
            fi
        done
    done
    kill "${POLICY_PIDS[@]}" 2>/dev/null; wait "${POLICY_PIDS[@]}" 2>/dev/null; POLICY_PIDS=()
    rm -rf "${f[1]}" "${c[1]}"
    # Per round, this build's throughput over the foundation's: the median of these paired ratios.
    "$PY" - "$RES" "$RUNS" <<'PY'
import collections, json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if ':policy_' in l][-8 * int(sys.argv[2]):]
by = collections.defaultdict(dict)
for row in rows:
    server, what = row["label"].split(":", 1)
    by[(what, row["run"])][server] = row.get("objects_per_s", row.get("server_cpu_s"))
for what in sorted({w for w, _ in by}):
    pairs = [v for (w, _), v in sorted(by.items()) if w == what and len(v) == 2]
    ratio = statistics.median(p["cybex"] / p["foundation"] for p in pairs)
    f = statistics.median(p["foundation"] for p in pairs)
    c = statistics.median(p["cybex"] for p in pairs)
    cost = (1 - ratio) * 100 if "paginate" in what else (ratio - 1) * 100
    print(json.dumps({"label": "policy:" + what, "rounds": len(pairs), "foundation_median": f, "cybex_median": c,
                      "median_paired_ratio": round(ratio, 4), "policy_cost_percent": round(cost, 1)}))
PY
}

for ph in $PHASES; do case $ph in
policy)   # the sharing policy's cost over TAXII: the foundation's binary and this one, side by side
    [ -x "${BASELINE_CYBEX:-}" ] || { echo "policy: set BASELINE_CYBEX to a release build of the foundation (BENCHMARKS.md)" >&2; exit 1; }
    policy_phase ;;
ingest)   # 5,000 objects in bundles of 1,000 and of 100
    for s in $SERVERS; do for bs in 1000 100; do for r in $(seq 1 "$RUNS"); do
        start $s
        emit "$(label $s):ingest_bs${bs}_5000" "$r" -- "$PY" "$H" $(args $s) --time-limit 300 ingest --corpus "$CORPUS" --bundle-size "$bs" --max-objects 5000
        stop $s
    done; done; done ;;
reads)    # match[type]=indicator with added_after, 500 and 1,000 objects stored
    for s in $SERVERS; do for n in 500 1000; do for r in $(seq 1 "$RUNS"); do
        start $s
        ing="$("$PY" "$H" $(args $s) ingest --corpus "$CORPUS" --bundle-size 100 --max-objects $n)"
        aa="$(echo "$ing" | "$PY" -c 'import json,sys;print(json.load(sys.stdin)["mid_request_timestamp"])')"
        emit "$(label $s):filter_type_added_after_N$n" "$r" -- "$PY" "$H" $(args $s) --time-limit 90 filter --match-type indicator --added-after "$aa" --requests 20
        stop $s
    done; done; done ;;
paginate) # limit=1000 over 1,000 and 2,000 objects
    for s in $SERVERS; do for n in 1000 2000; do for r in $(seq 1 "$RUNS"); do
        start $s
        "$PY" "$H" $(args $s) ingest --corpus "$CORPUS" --bundle-size 1000 --max-objects $n >/dev/null
        emit "$(label $s):paginate_limit1000_N$n" "$r" -- "$PY" "$H" $(args $s) --time-limit 400 paginate --limit 1000
        stop $s
    done; done; done ;;
load)     # wrk, 16 connections x 20 s, 500 objects stored
    oid="$("$PY" -c "import json;print(json.load(open('$CORPUS'))['objects'][7]['id'])")"
    for s in $SERVERS; do for r in $(seq 1 "$RUNS"); do
        start $s
        "$PY" "$H" $(args $s) ingest --corpus "$CORPUS" --bundle-size 1000 --max-objects 500 >/dev/null
        root=$([ $s = cybex ] && echo / || echo /taxii2/)   # cybex's base URL already ends in /taxii2
        emit "$(label $s):load_discovery_N500" "$r" -- "$PY" "$H" $(args $s) --req-timeout 30 load --path "$root" --connections 16 --duration 20
        emit "$(label $s):load_get_object_N500" "$r" -- "$PY" "$H" $(args $s) --req-timeout 30 load --path "{collection}/objects/$oid/" --connections 16 --duration 20
        emit "$(label $s):load_filter_page_N500" "$r" -- "$PY" "$H" $(args $s) --req-timeout 30 load --path "{collection}/objects/?match[type]=indicator&limit=100" --connections 16 --duration 20
        emit "$(label $s):rss_after_load_N500" "$r" -- "$PY" "$H" rss --pid "$(pid $s)"
        stop $s
    done; done ;;
big)      # Cybex alone: the whole 100k corpus over TAXII, then reads at that size
    for r in $(seq 1 "$RUNS"); do
        cybex_start
        emit "$CYBEX_LABEL:ingest_bs1000_100k" "$r" -- "$PY" "$H" $(args cybex) --time-limit 300 ingest --corpus "$CORPUS" --bundle-size 1000
        emit "$CYBEX_LABEL:paginate_limit1000_100k" "$r" -- "$PY" "$H" $(args cybex) --time-limit 300 paginate --limit 1000
        emit "$CYBEX_LABEL:filter_type_added_after_100k" "$r" -- "$PY" "$H" $(args cybex) filter --match-type indicator --added-after 2000-01-01T00:00:00.000Z --requests 50
        emit "$CYBEX_LABEL:filter_type_limit100_100k" "$r" -- "$PY" "$H" $(args cybex) filter --match-type indicator --added-after 2000-01-01T00:00:00.000Z --limit 100 --requests 50
        emit "$CYBEX_LABEL:load_filter_page_100k" "$r" -- "$PY" "$H" $(args cybex) --req-timeout 30 load --path "{collection}/objects/?match[type]=indicator&limit=100" --connections 16 --duration 10
        emit "$CYBEX_LABEL:rss_after_100k" "$r" -- "$PY" "$H" rss --pid "$CYBEX_PID"
        cybex_stop
    done ;;
million)  # Cybex alone: wrk on a read by id and match[id] with 1,000 objects stored; then 1,000,000
          # objects (random ids) imported, then served: paginated and filtered reads, wrk on a read by
          # id, match[id] and a filtered page, TAXII posts into the full store;
          # then the server's RSS and its peak (VmHWM) through all of it
    BIG="$BENCH_WORK/data/synthetic-1m-random.json"
    [ -x "$ROOT/.build/release/Benchmarks" ] || (cd "$ROOT" && swift build -c release --product Benchmarks >/dev/null)
    [ -f "$BIG" ] || "$ROOT/.build/release/Benchmarks" generate --objects 1000000 --random-ids --out "$BIG"
    postgres="$BENCH_POSTGRES"; BENCH_POSTGRES=""   # the import is measured on SQLite
    # First the same two reads with 1,000 objects stored (issue 14: at 1M within 1.5x of this).
    cybex_start
    "$PY" "$H" $(args cybex) ingest --corpus "$CORPUS" --bundle-size 1000 --max-objects 1000 >/dev/null
    oid="$("$PY" -c "import json;print(next(o['id'] for o in json.load(open('$CORPUS'))['objects'][:1000] if o['type'] == 'indicator'))")"
    emit "cybex:load_get_object_1k" 1 -- "$PY" "$H" $(args cybex) --req-timeout 30 load --path "{collection}/objects/$oid/" --connections 16 --duration 20
    emit "cybex:load_match_id_1k" 1 -- "$PY" "$H" $(args cybex) --req-timeout 30 load --path "{collection}/objects/?match[id]=$oid" --connections 16 --duration 20
    cybex_stop
    cybex_start; kill "$CYBEX_PID"; wait "$CYBEX_PID" 2>/dev/null
    coll="$("$CYBEX" collection list --data "$CYBEX_DATA" | cut -f1 | head -1)"
    /usr/bin/time -f '{"test": "import_1m", "wall_s": %e, "max_rss_kib": %M}' "$CYBEX" import "$BIG" --collection "$coll" --data "$CYBEX_DATA" >/dev/null 2>"$BENCH_WORK/run/import.time"
    tail -1 "$BENCH_WORK/run/import.time" | "$PY" -c "import json,sys; d=json.loads(sys.stdin.read()); d['label']='cybex:import_1m'; d['run']=1; d['objects_per_s']=round(1e6/d['wall_s']); print(json.dumps(d))" | tee -a "$RES"
    "$CYBEX" serve --data "$CYBEX_DATA" --host 127.0.0.1 --port "$CPORT" --log-level warning >/dev/null 2>>"$BENCH_WORK/run/cybex.log" &
    CYBEX_PID=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$CPORT/healthz" && break; sleep 0.1; done
    emit "cybex:paginate_limit1000_1m" 1 -- "$PY" "$H" $(args cybex) --time-limit 300 paginate --limit 1000
    emit "cybex:filter_type_limit100_1m" 1 -- "$PY" "$H" $(args cybex) filter --match-type indicator --added-after 2000-01-01T00:00:00.000Z --limit 100 --requests 50
    # An object from the middle of the file: the first id after its middle byte.
    oid="$(tail -c +$(( $(stat -L -c %s "$BIG") / 2 )) "$BIG" | head -c 65536 | grep -o '"id": *"[a-z0-9-]*--[0-9a-f-]*"' | head -1 | sed 's/.*"\([a-z0-9-]*--[0-9a-f-]*\)"/\1/')"
    emit "cybex:load_get_object_1m" 1 -- "$PY" "$H" $(args cybex) --req-timeout 30 load --path "{collection}/objects/$oid/" --connections 16 --duration 20
    emit "cybex:load_match_id_1m" 1 -- "$PY" "$H" $(args cybex) --req-timeout 30 load --path "{collection}/objects/?match[id]=$oid" --connections 16 --duration 20
    emit "cybex:load_filter_page_1m" 1 -- "$PY" "$H" $(args cybex) --req-timeout 30 load --path "{collection}/objects/?match[type]=indicator&limit=100" --connections 16 --duration 20
    emit "cybex:ingest_into_1m" 1 -- "$PY" "$H" $(args cybex) ingest --corpus "$CORPUS" --bundle-size 1000 --max-objects 20000
    emit "cybex:rss_after_1m" 1 -- "$PY" "$H" rss --pid "$CYBEX_PID"
    cybex_stop; BENCH_POSTGRES="$postgres" ;;
*) echo "unknown phase $ph" >&2 ;;
esac; done

"$PY" "$HARNESS/summarize.py" "$RES"
