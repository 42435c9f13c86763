#!/usr/bin/env bash
# The side-by-side feed benchmark of issue 15: one CSV feed of 100,000 distinct IPv4 addresses, from
# the file to stored events, through IntelMQ and through Cybex, in one run on this machine.
#
#   IntelMQ (PyPI, default 3.5.0) with Debian's redis-server on a private port: file collector ->
#   generic CSV parser -> taxonomy expert -> file output (JSON lines), started with intelmqctl on a
#   private config root; timed from `intelmqctl start` until the output holds every event.
#   Cybex (release binary): `cybex feed pull` of a csv feed on a fresh SQLite data folder with an
#   ip2asn enrichment table and a constituency loaded; timed as the whole process; then checked
#   with `cybex search` (one indicator per line).
#
# Each run has fresh state on both sides; rounds alternate IntelMQ and Cybex so both see the same
# load. Prints the medians, the ratio Cybex / IntelMQ and the versions; writes one JSON line per
# measurement to $BENCH_WORK/results/feed-intelmq.jsonl.
#
# usage: scripts/bench-feed-intelmq.sh [--runs N] [--build] [--only intelmq|cybex] [--http]
#                                      [--lines N] [--keep]
#   --runs N     runs of each side (default 3); the medians are reported
#   --build      build the release binary (swift build -c release --product cybex) if it is missing
#   --only SIDE  measure one side only
#   --http       give Cybex the feed over http://127.0.0.1 (python3 -m http.server) instead of file://
#   --lines N    rows of the feed (default 100000)
#   --keep       keep the temporary folder (inputs, IntelMQ logs and output, Cybex data folders)
# environment: CYBEX_BIN (default .build/release/cybex), BENCH_WORK (default .bench-work: the IntelMQ
#   venv and the results), INTELMQ_VERSION (default 3.5.0), TIMEOUT (seconds one IntelMQ run may
#   take, default 1800).
# Installs what is missing: redis-server (apt-get), a venv with intelmq from PyPI, and (as root) a
# system user `intelmq`, because IntelMQ refuses to run as root and drops to that user.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPERS=$REPO/scripts/bench-feed-intelmq
RUNS=3
BUILD=0
KEEP=0
HTTP=0
SIDES="intelmq cybex"
LINES=100000
BENCH_WORK=${BENCH_WORK:-$REPO/.bench-work}
CYBEX_BIN=${CYBEX_BIN:-$REPO/.build/release/cybex}
INTELMQ_VERSION=${INTELMQ_VERSION:-3.5.0}
TIMEOUT=${TIMEOUT:-1800}

die() { echo "bench-feed-intelmq: $*" >&2; exit 1; }
log() { echo "bench-feed-intelmq: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
    case $1 in
        --runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"; RUNS=$2; shift 2 ;;
        --lines) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--lines takes a positive number"; LINES=$2; shift 2 ;;
        --build) BUILD=1; shift ;;
        --keep) KEEP=1; shift ;;
        --http) HTTP=1; shift ;;
        --only)
            case ${2:-} in intelmq | cybex) SIDES=$2 ;; *) die "--only takes intelmq or cybex" ;; esac
            shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "TIMEOUT must be a number of seconds"
want() { [[ " $SIDES " == *" $1 "* ]]; }
[[ $CYBEX_BIN == /* ]] || CYBEX_BIN=$PWD/$CYBEX_BIN

# --- clean-up: every process this script started, by its pid ---------------------------------------
TMP=
REDIS_PID=
HTTP_PID=
IMQ_ROOT=
IMQ_VENV=$BENCH_WORK/intelmq-venv
cleanup() {
    local status=$?
    set +e
    if [[ -n $IMQ_ROOT && -d $IMQ_ROOT/var/run ]]; then stop_intelmq "$IMQ_ROOT" >/dev/null 2>&1; fi
    [[ -n $HTTP_PID ]] && kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
    if [[ -n $REDIS_PID ]]; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
    fi
    if [[ -n $TMP && -d $TMP ]]; then
        if ((KEEP)); then log "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
seconds() { python3 -c 'import sys; print("%.3f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }
rate() { python3 -c 'import sys; print("%.0f" % (int(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
median() { python3 -c 'import statistics, sys; print("%.0f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
is_root() { [[ $(id -u) == 0 ]]; }

# --- what each side needs ---------------------------------------------------------------------------
ensure_redis() {
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
    is_root || die "redis-server is missing; install it (apt-get install -y redis-server) or run as root"
    log "installing redis-server (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null || die "apt-get install redis-server failed"
    }
}

ensure_intelmq() {
    # As root the venv is made with Debian's python3, which the unprivileged `intelmq` user can run
    # (a pyenv python under /root cannot be reached by that user).
    local python=python3
    if is_root && [[ -x /usr/bin/python3 ]]; then python=/usr/bin/python3; fi
    local check=("$IMQ_VENV/bin/python" -c 'import intelmq; print(intelmq.__version__)')
    is_root && check=(runuser -u intelmq -- "${check[@]}") # the bots run as that user
    if [[ -x $IMQ_VENV/bin/python && $("${check[@]}" 2>/dev/null) == "$INTELMQ_VERSION" ]]; then
        return
    fi
    log "making $IMQ_VENV with intelmq==$INTELMQ_VERSION (PyPI)"
    rm -rf "$IMQ_VENV"
    mkdir -p "$BENCH_WORK"
    if ! "$python" -m venv "$IMQ_VENV" 2>/dev/null; then
        is_root || die "$python -m venv failed (python3-venv missing?)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null || die "apt-get install python3-venv failed"
        "$python" -m venv "$IMQ_VENV" || die "$python -m venv failed"
    fi
    "$IMQ_VENV/bin/pip" install -q --disable-pip-version-check "intelmq==$INTELMQ_VERSION" ||
        die "pip install intelmq==$INTELMQ_VERSION failed"
}

ensure_intelmq_user() {
    is_root || return 0
    id intelmq >/dev/null 2>&1 && return
    log "adding the system user intelmq (IntelMQ does not run as root)"
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin intelmq || die "useradd intelmq failed"
}

ensure_cybex() {
    [[ -x $CYBEX_BIN ]] && return
    ((BUILD)) || die "$CYBEX_BIN is missing: build it (swift build -c release --product cybex), set CYBEX_BIN, or pass --build"
    log "building $CYBEX_BIN"
    (cd "$REPO" && swift build -c release --product cybex) || die "swift build failed"
    [[ -x $CYBEX_BIN ]] || die "the build did not make $CYBEX_BIN"
}

start_redis() {
    local port dir=$TMP/redis
    port=$(free_port)
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --save "" --appendonly no \
        --dir "$dir" --logfile "$dir/redis.log" --daemonize no &
    REDIS_PID=$!
    local tries=0
    until [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; do
        ((++tries < 100)) || die "redis-server did not answer on 127.0.0.1:$port (see $dir/redis.log)"
        kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server exited (see $dir/redis.log)"
        sleep 0.1
    done
    REDIS_PORT=$port
}

# --- IntelMQ ------------------------------------------------------------------------------------------
intelmqctl() { INTELMQ_ROOT_DIR=$1 PATH=$IMQ_VENV/bin:$PATH "$IMQ_VENV/bin/intelmqctl" "${@:2}"; }

stop_intelmq() {
    local root=$1 pidfile pid
    intelmqctl "$root" stop >>"$root/intelmqctl.out" 2>&1 || true
    # Whatever intelmqctl left running (it should leave nothing).
    for pidfile in "$root"/var/run/*.pid; do
        [[ -f $pidfile ]] || continue
        pid=$(<"$pidfile")
        [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null || true
    done
}

# The runtime.yaml of IntelMQ 3.x: a `global` section (every bot's defaults: the private redis for
# the pipeline and the statistics, the log folder) and one section per bot (module, parameters with
# destination_queues; a bot reads the queue `<bot id>-queue`).
write_runtime() {
    local root=$1 port=$2
    cat >"$root/etc/runtime.yaml" <<YAML
global:
  destination_pipeline_broker: redis
  destination_pipeline_host: 127.0.0.1
  destination_pipeline_port: $port
  destination_pipeline_db: 2
  source_pipeline_broker: redis
  source_pipeline_host: 127.0.0.1
  source_pipeline_port: $port
  source_pipeline_db: 2
  statistics_host: 127.0.0.1
  statistics_port: $port
  statistics_database: 3
  logging_handler: file
  logging_level: INFO
  logging_path: $root/var/log/
  process_manager: intelmq
bench-file-collector:
  description: Reads the feed file once (the input folder holds a copy made for this run).
  enabled: true
  group: Collector
  module: intelmq.bots.collectors.file.collector_file
  name: File
  parameters:
    destination_queues:
      _default: [bench-csv-parser-queue]
    path: $root/input
    postfix: .csv
    delete_file: false
    rate_limit: 86400
    name: Bench C2 and scanners
    provider: Cybex benchmark
  run_mode: continuous
bench-csv-parser:
  description: ip, category, first_seen to source.ip, classification.type, time.source.
  enabled: true
  group: Parser
  module: intelmq.bots.parsers.generic.parser_csv
  name: Generic CSV
  parameters:
    destination_queues:
      _default: [bench-taxonomy-expert-queue]
    columns: [source.ip, classification.type, time.source]
    delimiter: ','
    skip_header: true
  run_mode: continuous
bench-taxonomy-expert:
  description: Adds classification.taxonomy from classification.type.
  enabled: true
  group: Expert
  module: intelmq.bots.experts.taxonomy.expert
  name: Taxonomy
  parameters:
    destination_queues:
      _default: [bench-file-output-queue]
  run_mode: continuous
bench-file-output:
  description: One JSON object a line.
  enabled: true
  group: Output
  module: intelmq.bots.outputs.file.output
  name: File
  parameters:
    file: $root/output/events.jsonl
    hierarchical_output: false
    single_key: false
  run_mode: continuous
YAML
}

run_intelmq() {
    local run=$1 root=$TMP/intelmq-$1 site t0 t1 out lines
    mkdir -p "$root/etc" "$root/var/log" "$root/var/run" "$root/var/lib/bots" "$root/input" "$root/output"
    site=$("$IMQ_VENV/bin/python" -c 'import intelmq, os; print(os.path.dirname(intelmq.__file__))')
    cp "$site/etc/harmonization.conf" "$root/etc/"
    cp "$TMP/feed.csv" "$root/input/feed.csv"
    write_runtime "$root" "$REDIS_PORT"
    is_root && chown -R intelmq:intelmq "$root"
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    out=$root/output/events.jsonl
    IMQ_ROOT=$root
    t0=$(now)
    intelmqctl "$root" start >"$root/intelmqctl.out" 2>&1 ||
        die "intelmqctl start failed: $(tail -5 "$root/intelmqctl.out") (logs: $root/var/log; rerun with --keep)"
    t1=$(python3 "$HELPERS/wait_lines.py" "$out" "$LINES" "$TIMEOUT" 120) ||
        die "IntelMQ run $run did not finish (logs: $root/var/log; rerun with --keep)"
    stop_intelmq "$root"
    IMQ_ROOT=
    lines=$(wc -l <"$out")
    ((lines == LINES)) || die "IntelMQ run $run wrote $lines events, not $LINES (did the collector read the file twice?)"
    # Every event went through the whole chain: parsed fields and the taxonomy expert's field.
    python3 - "$out" <<'PY' || die "IntelMQ run $run: unexpected output (see $out)"
import json, sys
with open(sys.argv[1]) as f:
    for line in f:
        event = json.loads(line)
        for key in ("source.ip", "classification.type", "classification.taxonomy", "time.source", "feed.name"):
            if key not in event:
                sys.exit("an event without %s: %s" % (key, line.strip()))
PY
    record intelmq "$run" "$(seconds "$t0" "$t1")"
}

# --- Cybex --------------------------------------------------------------------------------------------
cybex() { "$CYBEX_BIN" "$@"; }

run_cybex() {
    local run=$1 data=$TMP/cybex-$1 collection url t0 t1 found
    rm -rf "$data"
    mkdir -p "$data"
    setup() { cybex "$@" --data "$data" >>"$data.setup.log" 2>&1 || die "cybex $1 $2 failed: $(tail -5 "$data.setup.log")"; }
    setup org add cirt
    collection=$(cybex collection add Feed --read cirt --write cirt --data "$data" 2>>"$data.setup.log") ||
        die "cybex collection add failed: $(tail -5 "$data.setup.log")"
    collection=$(grep -Eo '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' <<<"$collection" | head -1)
    [[ -n $collection ]] || die "cybex collection add printed no id (see $data.setup.log)"
    setup enrichment load --format ip2asn "$TMP/ip2asn.tsv"
    setup org add isp
    setup constituency import "$TMP/constituency.csv" --org isp
    if ((HTTP)); then url=http://127.0.0.1:$HTTP_PORT/feed.csv; else url=file://$TMP/feed.csv; fi
    setup feed add bench --format csv --url "$url" --owner cirt --collection "$collection" \
        --header --column ip --type ipv4-addr --label botnet
    t0=$(now)
    cybex feed pull bench --data "$data" >"$data.pull.log" 2>&1 ||
        die "cybex feed pull failed: $(tail -5 "$data.pull.log")$( ((HTTP)) || echo ' (try --http if this build has no file:// feeds)')"
    t1=$(now)
    found=$(cybex search --type indicator --limit $((LINES + 1000)) --data "$data" 2>/dev/null | wc -l)
    ((found == LINES)) || die "Cybex run $run: cybex search finds $found indicators, not $LINES"
    record cybex "$run" "$(seconds "$t0" "$t1")"
    # What else the pull made (outside the time): the sightings, the indicators carrying the
    # enrichment extension, and the constituency notifier's queue (10 % of the rows are in 10.0.0.0/8).
    local sightings enriched queued=?
    sightings=$(cybex search --type sighting --limit $((LINES + 1000)) --data "$data" 2>/dev/null | wc -l)
    enriched=$(cybex search --type indicator --json --limit $((LINES + 1000)) --data "$data" 2>/dev/null | grep -c '"extensions"' || true)
    if command -v sqlite3 >/dev/null && [[ -f $data/cybex.sqlite ]]; then
        queued=$(sqlite3 "$data/cybex.sqlite" 'SELECT count(*) FROM notification_queue' 2>/dev/null || echo ?)
    fi
    log "cybex run $run: $found indicators ($enriched with the enrichment extension), $sightings sightings, $queued notifications queued"
    ((sightings == LINES)) || die "Cybex run $run: cybex search finds $sightings sightings, not $LINES"
    ((KEEP)) || rm -rf "$data"
}

# --- results ------------------------------------------------------------------------------------------
RESULTS=$BENCH_WORK/results/feed-intelmq.jsonl
declare -A RATES=([intelmq]="" [cybex]="")
record() {
    local side=$1 run=$2 secs=$3 per
    per=$(rate "$LINES" "$secs")
    RATES[$side]+="$per "
    log "$side run $run: $LINES events in $secs s = $per events/s"
    printf '{"side":"%s","run":%d,"events":%d,"seconds":%s,"events_per_second":%s,"time":"%s"}\n' \
        "$side" "$run" "$LINES" "$secs" "$per" "$(date -u +%FT%TZ)" >>"$RESULTS"
}

# --- the run ------------------------------------------------------------------------------------------
mkdir -p "$BENCH_WORK/results"
if want intelmq; then
    ensure_redis
    ensure_intelmq_user
    ensure_intelmq
fi
want cybex && ensure_cybex

TMP=$(mktemp -d /tmp/bench-feed-intelmq.XXXXXX)
chmod 755 "$TMP" # the intelmq user reads the input from here
python3 "$HELPERS/make_inputs.py" "$TMP" "$LINES"
printf 'value\n10.0.0.0/8\n' >"$TMP/constituency.csv"
log "feed: $TMP/feed.csv ($LINES rows, $(wc -c <"$TMP/feed.csv") bytes), $RUNS runs each"

if want intelmq; then start_redis; fi
if want cybex && ((HTTP)); then
    HTTP_PORT=$(free_port)
    python3 -m http.server --bind 127.0.0.1 "$HTTP_PORT" --directory "$TMP" >"$TMP/http.log" 2>&1 &
    HTTP_PID=$!
    python3 - "http://127.0.0.1:$HTTP_PORT/feed.csv" <<'PY' || die "python3 -m http.server did not start (see $TMP/http.log)"
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
fi

for ((run = 1; run <= RUNS; run++)); do
    want intelmq && run_intelmq "$run"
    want cybex && run_cybex "$run"
done

# --- the table --------------------------------------------------------------------------------------
echo
echo "Feed of $LINES CSV rows, file to stored events, $(nproc) cores, median of $RUNS runs:"
printf '| %-52s | %10s | %s\n' "pipeline" "events/s" "runs"
printf '|%s|%s|%s\n' "------------------------------------------------------" "------------" "-----"
IMQ_MEDIAN=
CYBEX_MEDIAN=
if want intelmq; then
    IMQ_MEDIAN=$(median ${RATES[intelmq]})
    printf '| %-52s | %10s | %s\n' "IntelMQ $INTELMQ_VERSION (collector, parser, taxonomy, file)" "$IMQ_MEDIAN" "${RATES[intelmq]% }"
fi
if want cybex; then
    CYBEX_MEDIAN=$(median ${RATES[cybex]})
    printf '| %-52s | %10s | %s\n' "Cybex (cybex feed pull, SQLite)" "$CYBEX_MEDIAN" "${RATES[cybex]% }"
fi
if [[ -n $IMQ_MEDIAN && -n $CYBEX_MEDIAN ]]; then
    printf 'ratio Cybex / IntelMQ: %s\n' "$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$CYBEX_MEDIAN" "$IMQ_MEDIAN")"
fi
echo
echo "versions:"
if want intelmq; then
    echo "  intelmq $("$IMQ_VENV/bin/python" -c 'import intelmq; print(intelmq.__version__)') (python $("$IMQ_VENV/bin/python" -c 'import platform; print(platform.python_version())'))"
    echo "  $(redis-server --version | cut -d' ' -f1-3)"
fi
if want cybex; then
    # The commit of the binary's tree, when it sits in a clone's .build folder.
    commit=$(git -C "$(dirname "$CYBEX_BIN")" rev-parse --short HEAD 2>/dev/null || echo "commit unknown")
    echo "  cybex $("$CYBEX_BIN" --version) ($CYBEX_BIN, $commit)"
fi
echo "results: $RESULTS"
