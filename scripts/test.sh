#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine as root with nothing installed by hand:
#   1. installs what is missing (libsqlite3-dev, zlib1g-dev, postgresql, openssl, libxml2-utils, python3-venv) with apt-get
#   2. starts PostgreSQL (scripts/postgres-test-server.sh prints its URL)
#   3. makes .test-work/venv with the pinned Python clients and oracles
#   4. swift build --build-tests; swift test (SQLite and PostgreSQL store contract, unit tests)
#   5. pytest Tests/interop (taxii2-client, stix2-validator, stix2-matcher, CLI, kill -9) against .build/debug/cybex
# Exits non-zero if any step fails; the last line says what passed and what failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

START=$(date +%s)
WORK="$ROOT/.test-work"
VENV="$WORK/venv"
PY_REQUIREMENTS=(taxii2-client==2.3.0 stix2==3.0.2 stix2-validator==3.3.2 stix2-matcher==3.0.0 pytest==9.2.0 openapi-spec-validator==0.9.0 aiosmtpd==1.4.6 cvss==3.6 csaf==2026.10.25)

log() { printf '\n==> %s\n' "$*"; }
elapsed() { echo "$(( $(date +%s) - START ))s"; }

if [ -d /opt/swift/usr/bin ] && ! command -v swift >/dev/null 2>&1; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "test.sh: swift not found on PATH" >&2; exit 1; }

# --------------------------------------------------------------------------- system packages
PYTHON=python3
missing=()
for pkg in libsqlite3-dev zlib1g-dev postgresql openssl libxml2-utils; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
    PYTHON=/usr/bin/python3
elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    # Debian's python3 needs python3-venv for ensurepip; another python3 on PATH may lack it too
    PYTHON=/usr/bin/python3
    if ! /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
fi
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "test.sh: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    log "system packages present (libsqlite3-dev, zlib1g-dev, postgresql, openssl, libxml2-utils, python venv)"
fi

# --------------------------------------------------------------------------- PostgreSQL
log "starting PostgreSQL"
if [ ! -f scripts/postgres-test-server.sh ]; then
    echo "test.sh: scripts/postgres-test-server.sh is missing" >&2
    exit 1
fi
PG_OUT="$(bash scripts/postgres-test-server.sh)"
printf '%s\n' "$PG_OUT"
CYBEX_TEST_POSTGRES_URL="$(printf '%s\n' "$PG_OUT" | grep -E '^postgres(ql)?://' | tail -n 1 || true)"
if [ -z "$CYBEX_TEST_POSTGRES_URL" ]; then
    echo "test.sh: scripts/postgres-test-server.sh printed no postgres:// URL" >&2
    exit 1
fi
export CYBEX_TEST_POSTGRES_URL
export CYBEX_REQUIRE_POSTGRES=1

# --------------------------------------------------------------------------- Python venv
mkdir -p "$WORK"
STAMP="$VENV/.cybex-requirements"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "${PY_REQUIREMENTS[*]}" ] \
    && "$VENV/bin/python" -c 'import taxii2client, stix2, stix2validator, stix2matcher, pytest, openapi_spec_validator, aiosmtpd, cvss' >/dev/null 2>&1; then
    log "reusing $VENV"
else
    log "creating $VENV (${PY_REQUIREMENTS[*]})"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
    printf '%s' "${PY_REQUIREMENTS[*]}" > "$STAMP"
fi

# --------------------------------------------------------------------------- Swift
log "swift build --build-tests ($(elapsed))"
swift build --build-tests
BIN_PATH="$(swift build --show-bin-path)"
if [ ! -x "$BIN_PATH/cybex" ]; then
    log "swift build --product cybex"
    swift build --product cybex
fi
export CYBEX_BIN="$BIN_PATH/cybex"

SWIFT_STATUS=0
log "swift test ($(elapsed))"
# The stores the tests make in the temporary folder (the HTTP tests' SQLite folders among them)
# go in one of their own, removed when the tests end.
SWIFT_TEST_TMP="$(mktemp -d)"
TMPDIR="$SWIFT_TEST_TMP" swift test --skip-build || SWIFT_STATUS=$?
rm -rf "$SWIFT_TEST_TMP"

# --------------------------------------------------------------------------- interop (Python)
PYTEST_STATUS=0
log "pytest Tests/interop with CYBEX_BIN=$CYBEX_BIN ($(elapsed))"
"$VENV/bin/python" -m pytest Tests/interop -p no:cacheprovider -ra --durations=10 || PYTEST_STATUS=$?
if [ "$PYTEST_STATUS" -eq 5 ]; then
    echo "test.sh: pytest collected no tests" >&2
fi

result() { if [ "$1" -eq 0 ]; then echo "passed"; else echo "FAILED (exit $1)"; fi; }
echo
if [ "$SWIFT_STATUS" -eq 0 ] && [ "$PYTEST_STATUS" -eq 0 ]; then
    echo "scripts/test.sh: all tests passed (swift test passed, interop pytest passed) in $(elapsed)"
    exit 0
fi
echo "scripts/test.sh: TESTS FAILED (swift test $(result "$SWIFT_STATUS"), interop pytest $(result "$PYTEST_STATUS")) in $(elapsed)"
exit 1
