"""kill -9 of `cybex import` in the middle of a large bundle: afterwards all of its valid objects or none.

The bundle (CYBEX_CRASH_OBJECTS valid objects, default 200,000, plus 3 invalid ones) is written once.
The import is killed once it has run at least 1 s and the store shows write activity (SQLite: the
database/WAL files grow; PostgreSQL: a backend of the test database holds a transaction id), so the
kill lands inside the bulk write rather than while the file is still being read.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

import corpus
from conftest import _clean_env, cli, cli_ok, psql, require_binary

CRASH_OBJECTS = int(os.environ.get("CYBEX_CRASH_OBJECTS", "200000"))
MIN_RUN = 1.0            # seconds the import must have run before the kill
AFTER_ACTIVITY = 0.4     # seconds between the first sign of writing and the kill
ACTIVITY_TIMEOUT = 180   # seconds to wait for the import to start writing


@pytest.fixture(scope="module")
def crash_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    path = tmp_path_factory.mktemp("crash") / "crash-bundle.json"
    t0 = time.monotonic()
    ids = corpus.write_crash_bundle(str(path), CRASH_OBJECTS)
    print(f"\nwrote {len(ids)} objects ({path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - t0:.1f}s")
    return path, ids


def _store_bytes(data: Path) -> int:
    total = 0
    for p in data.rglob("*"):
        try:
            if p.is_file():
                total += p.stat().st_size
        except FileNotFoundError:
            pass
    return total


def _pg_writing(url: str) -> bool:
    db = urllib.parse.urlsplit(url).path.lstrip("/")
    out = psql(url, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()", db="postgres")
    return int(out.strip() or "0") > 0


def _export_ids(data: Path, cid: str, database: str | None) -> list[dict[str, Any]]:
    r = cli(["export", "--collection", cid], data, database, timeout=600)
    assert r.returncode == 0, f"export after the crash failed ({r.returncode}): {r.stderr[-1500:]}"
    bundle = json.loads(r.stdout)
    return bundle.get("objects", [])


def _sqlite_files(data: Path) -> list[Path]:
    out = []
    for p in data.rglob("*"):
        if p.is_file() and not p.name.endswith(("-wal", "-shm", "-journal")):
            with open(p, "rb") as f:
                if f.read(16) == b"SQLite format 3\x00":
                    out.append(p)
    return out


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_during_import_leaves_all_or_nothing(backend: str, crash_bundle: tuple[Path, set[str]],
                                                     tmp_path: Path, request: pytest.FixtureRequest):
    path, crash_ids = crash_bundle
    database = request.getfixturevalue("pg_database")() if backend == "postgresql" else None
    data = tmp_path / "data"
    cid = cli_ok(["collection", "add", "Crash"], data, database).strip()

    # objects committed before the crash must survive it
    before = corpus.Corpus(seed=91).mixed(20)
    small = tmp_path / "before.json"
    small.write_text(json.dumps(corpus.bundle(before)))
    cli_ok(["import", str(small), "--collection", cid], data, database)

    baseline = _store_bytes(data)
    cmd = [require_binary(), "import", str(path), "--collection", cid, "--data", str(data)]
    if database:
        cmd += ["--database", database]
    log = open(tmp_path / "import.log", "wb")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_clean_env())
    activity_at = None
    try:
        while True:
            elapsed = time.monotonic() - t0
            if proc.poll() is not None:
                log.close()
                pytest.fail(f"`cybex import` of {CRASH_OBJECTS} objects ended (exit {proc.returncode}) after "
                            f"{elapsed:.1f}s before it could be killed mid-way (write activity seen: "
                            f"{activity_at is not None}); raise CYBEX_CRASH_OBJECTS. Output: "
                            f"{(tmp_path / 'import.log').read_text(errors='replace')[-800:]}")
            if activity_at is None:
                writing = (_store_bytes(data) > baseline + 256 * 1024) if database is None else _pg_writing(database)
                if writing:
                    activity_at = elapsed
            if activity_at is not None and elapsed >= MIN_RUN and elapsed >= activity_at + AFTER_ACTIVITY:
                break
            if elapsed > ACTIVITY_TIMEOUT:
                pytest.fail(f"no write activity from `cybex import` after {ACTIVITY_TIMEOUT}s")
            time.sleep(0.05)
        assert proc.poll() is None, "import finished before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    killed_after = time.monotonic() - t0
    assert proc.returncode == -signal.SIGKILL, f"import exited {proc.returncode}, not killed"
    print(f"\n{backend}: write activity after {activity_at:.2f}s, killed after {killed_after:.2f}s")

    if database is None:
        for f in _sqlite_files(data):
            con = sqlite3.connect(str(f), timeout=30)
            try:
                res = con.execute("PRAGMA integrity_check").fetchall()
            finally:
                con.close()
            assert res == [("ok",)], f"{f.name}: integrity_check {res[:5]}"

    t1 = time.monotonic()
    objs = _export_ids(data, cid, database)
    ids = [o["id"] for o in objs]
    assert len(ids) == len(set(ids)), "export after the crash repeats objects"
    present = set(ids) & crash_ids
    print(f"{backend}: {len(present)} of {len(crash_ids)} crash-bundle objects present after kill -9 "
          f"(export took {time.monotonic() - t1:.1f}s)")
    assert len(present) in (0, len(crash_ids)), \
        f"kill -9 left {len(present)} of the bundle's {len(crash_ids)} valid objects: not all or none"
    invalid_ids = {o["id"] for o in corpus.INVALID_CRASH_OBJECTS}
    assert not (set(ids) & invalid_ids), "an invalid object was stored"
    assert {o["id"] for o in before} <= set(ids), "objects committed before the crash were lost"
    assert set(ids) - crash_ids == {o["id"] for o in before}, "unexpected objects after the crash"

    # the store takes writes again
    after = corpus.Corpus(seed=92).mixed(10)
    small2 = tmp_path / "after.json"
    small2.write_text(json.dumps(corpus.bundle(after)))
    r = cli(["import", str(small2), "--collection", cid], data, database, timeout=300)
    assert r.returncode == 0, f"import after the crash failed ({r.returncode}): {r.stderr[-1500:]}"
    ids2 = {o["id"] for o in _export_ids(data, cid, database)}
    assert {o["id"] for o in after} <= ids2
