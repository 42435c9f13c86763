#!/usr/bin/env bash
# Starts a PostgreSQL server for the contract tests of CybexStore on 127.0.0.1:5432 and prints
# the URL to put in CYBEX_TEST_POSTGRES_URL. Run as root on Debian 12 (a CI machine or a
# developer's); idempotent: a server already running, a role or a database already there are fine.
#
#   export CYBEX_TEST_POSTGRES_URL="$(scripts/postgres-test-server.sh | tail -n 1)"
#
# The role `cybex` (password `cybex`, CREATEDB: each test creates and drops its own database)
# owns the database `cybex_test`. Progress goes to stderr; the URL alone goes to stdout.
set -euo pipefail

ROLE=cybex
PASSWORD=cybex
DATABASE=cybex_test
PORT=5432
log() { echo "postgres-test-server: $*" >&2; }

if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    log "installing PostgreSQL (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)")"
VERSION="$(basename "$(dirname "$BIN")")"

as_postgres() { runuser -u postgres -- "$@"; }

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    log "a server already answers on 127.0.0.1:$PORT"
elif command -v pg_ctlcluster >/dev/null; then
    # Debian's packaging: the install created the cluster "main" (create it if it was dropped).
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
        log "creating cluster $VERSION/main"
        pg_createcluster "$VERSION" main --port "$PORT" >&2
    fi
    log "starting cluster $VERSION/main"
    pg_ctlcluster "$VERSION" main start >&2 || true
else
    # Without Debian's wrappers: a data directory of our own, password authentication on TCP.
    DATA=/var/lib/postgresql/cybex-test
    if [ ! -s "$DATA/PG_VERSION" ]; then
        log "initdb $DATA"
        install -d -o postgres -g postgres "$DATA"
        as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 >&2
    fi
    install -d -o postgres -g postgres /var/run/postgresql
    log "starting $DATA"
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=/var/run/postgresql" start >&2
fi

for _ in $(seq 1 60); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.5
done
"$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" >&2

psql_admin() { as_postgres psql -h /var/run/postgresql -p "$PORT" -X -q -v ON_ERROR_STOP=1 -tA "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    log "creating role $ROLE"
    psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
else
    psql_admin -c "ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    log "creating database $DATABASE"
    psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE"
fi

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
