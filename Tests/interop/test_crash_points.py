"""kill -9 at many points of a TAXII POST and of `cybex import`: the objects, their audit entry and
(for TAXII) the status resource exist together or not at all; `cybex audit verify` passes.

For each backend (SQLite, PostgreSQL) and path (TAXII POST, `cybex import`) one store is set up and
the duration D of an uninterrupted run is measured: the longest of a warm-up run and CALIBRATION_RUNS
runs that each follow a run killed mid-way (the first run after a kill is slower, ~30% on SQLite,
and every trial follows a kill; on a loaded machine runs vary by up to 2x, and too short a D would
put every kill before the commit). Then CYBEX_CRASH_POINTS trials (default 20) each send one fresh
envelope/bundle (POINT_OBJECTS indicators with seeded random ids, plus the 3 invalid objects of
``corpus.INVALID_CRASH_OBJECTS``) and kill -9 the server (TAXII) or the import process at a point of
[0, SPAN x D]: one point in each of N equal slices, jittered by a ``random.Random`` seeded with the
parametrization, shuffled; so kills land just after the start, throughout reading, validation and
writing, around the commit and after the end. A run that finishes before its point is not waited
on: the idle server is killed at once (the store is what it would be at the later point).

After each kill (PostgreSQL: once no backend of the killed process is left, so a COMMIT already sent
has either happened or never will), the store is read directly and compared with its state before
the trial. S = the collection memberships added (all fresh ids of this trial's envelope). Either
S is empty, no object, no `objects.*` audit entry and no status row was added; or S is exactly the
valid objects of the envelope, as many `objects` rows were added, there is exactly one `objects.add`
(actor the user) / per-file `objects.import` (actor cli, detail "FILE: ...") entry whose counts are
len(S) added and 3 rejected, and (TAXII) exactly one new status row listing S as successes and the
3 invalid objects as failures, which the restarted server then serves. A run acknowledged before
the kill (202, or import exit 0) must have stored everything. `cybex audit verify` passes after
every trial; SQLite passes `PRAGMA quick_check`. A one-line summary per parametrization says how
many kills landed before the commit (nothing stored) and after it (everything stored); both occur
(the "after" side is asserted from 10 points on: the last ~23% of the slices lie past the end).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

import corpus
from conftest import TAXII_MT, CybexServer, _clean_env, cli, cli_ok, psql, require_binary

CRASH_POINTS = int(os.environ.get("CYBEX_CRASH_POINTS", "20"))   # kills per parametrization
# valid indicators per envelope/bundle: about 1-2 s per uninterrupted run of the debug build on 2 cores
POINT_OBJECTS = {"sqlite": 3000, "postgresql": 2000}
CALIBRATION_RUNS = 3          # timed uninterrupted runs after a warm-up, each after a kill; the longest run is D
SPAN = 1.3                    # kill points are drawn from [0, SPAN x duration]
USER, PASSWORD = "crash-analyst", "crash-points-secret-1"
ORG = "crashorg"
INVALID = corpus.INVALID_CRASH_OBJECTS
DETAIL_RE = re.compile(r"^(\d+) added, (\d+) new versions, (\d+) duplicates, (\d+) rejected$")
IMPORT_SUMMARY = "1 of 1 files imported"


# ---------------------------------------------------------------------------- reading the store
# Memberships with their collection's id: rows carry the collection's number (schema step 12).
MEMBERS = "collection_objects m JOIN collection_numbers c ON c.num = m.collection"

@dataclass
class Snapshot:
    objects: int        # rows of `objects`
    members: int        # rows of `collection_objects` in the collection
    last_added: int     # newest date_added in the collection
    audit_seq: int      # newest audit_log seq
    statuses: set[str]  # status resource ids


class StoreReader:
    """Reads the store of a stopped (or killed) cybex directly: sqlite3, or psql for PostgreSQL."""

    def __init__(self, data: Path, database: str | None) -> None:
        self.data = data
        self.database = database
        self.sqlite_path = data / "cybex.sqlite"

    def rows(self, sql: str) -> list[dict[str, Any]]:
        if self.database is None:
            assert self.sqlite_path.is_file(), f"no SQLite store at {self.sqlite_path}"
            con = sqlite3.connect(str(self.sqlite_path), timeout=30)
            con.row_factory = sqlite3.Row
            try:
                return [dict(r) for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        out = psql(self.database, f"SELECT coalesce(json_agg(row_to_json(q)), '[]'::json) FROM ({sql}) q")
        return json.loads(out)

    def json_text(self, column: str) -> str:
        return f"CAST({column} AS TEXT)" if self.database is None else f"convert_from({column}, 'UTF8')"

    def quiesce(self) -> None:
        """PostgreSQL: wait until no backend of the killed process remains (its transaction has then
        committed or rolled back for good). SQLite: the kernel released the locks with the process."""
        if self.database is None:
            return
        db = urllib.parse.urlsplit(self.database).path.lstrip("/")
        deadline = time.monotonic() + 60
        while True:
            out = psql(self.database, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                      f"'{db}' AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                       db="postgres")
            if int(out.strip() or "0") == 0:
                return
            assert time.monotonic() < deadline, f"backends of database {db} still alive 60 s after the kill"
            time.sleep(0.05)

    def snapshot(self, cid: str) -> Snapshot:
        row = self.rows(
            "SELECT (SELECT count(*) FROM objects) AS objects, "
            f"(SELECT count(*) FROM {MEMBERS} WHERE c.id = '{cid}') AS members, "
            f"(SELECT coalesce(max(m.date_added), 0) FROM {MEMBERS} WHERE c.id = '{cid}') AS last_added, "
            "(SELECT coalesce(max(seq), 0) FROM audit_log) AS audit_seq")[0]
        ids = {r["id"] for r in self.rows("SELECT id FROM statuses")}
        return Snapshot(int(row["objects"]), int(row["members"]), int(row["last_added"]), int(row["audit_seq"]), ids)

    def integrity(self, full: bool = False) -> None:
        if self.database is None:
            res = [tuple(r.values()) for r in self.rows("PRAGMA integrity_check" if full else "PRAGMA quick_check")]
            assert res == [("ok",)], f"SQLite integrity check after the kill: {res[:5]}"


# ---------------------------------------------------------------------------- trial material
def trial_objects(seed: int, count: int) -> tuple[list[dict[str, Any]], set[str]]:
    """``count`` fresh valid indicators with the invalid objects spread among them."""
    c = corpus.Corpus(seed=seed)
    valid = [c.indicator() for _ in range(count)]
    ids = {o["id"] for o in valid}
    assert len(ids) == count
    objects = list(valid)
    for k, bad in enumerate(INVALID):
        objects.insert((k + 1) * len(objects) // (len(INVALID) + 1), bad)
    return objects, ids


def kill_points(rng: random.Random, n: int, duration: float) -> list[float]:
    """n points over [0, SPAN x duration]: one uniformly in each of n equal slices, shuffled."""
    width = SPAN * duration / n
    points = [(i + rng.random()) * width for i in range(n)]
    rng.shuffle(points)
    return points


def _counts(detail: str, what: str) -> tuple[int, int, int, int]:
    m = DETAIL_RE.match(detail)
    assert m, f"{what}: audit detail {detail!r} does not read 'N added, N new versions, N duplicates, N rejected'"
    return tuple(int(g) for g in m.groups())  # type: ignore[return-value]


def check_trial(store: StoreReader, cid: str, before: Snapshot, valid_ids: set[str], *, path: str,
                file: str | None, acknowledged: bool, what: str) -> tuple[bool, str | None, Snapshot]:
    """All or nothing; returns (stored, status id, snapshot after)."""
    store.integrity()
    after = store.snapshot(cid)
    new_ids = [r["id"] for r in store.rows(
        f"SELECT o.id FROM {MEMBERS} JOIN objects o ON o.pk = m.object_pk "
        f"WHERE c.id = '{cid}' AND m.date_added > {before.last_added}")]
    s = set(new_ids)
    assert len(new_ids) == after.members - before.members, \
        f"{what}: {after.members - before.members} memberships added but {len(new_ids)} newer than the last date_added"
    assert len(s) == len(new_ids), f"{what}: an object was added to the collection twice"
    assert s <= valid_ids, f"{what}: {len(s - valid_ids)} stored ids are not valid objects of this trial"
    entries = store.rows(f"SELECT seq, actor, action, target, detail FROM audit_log "
                         f"WHERE seq > {before.audit_seq} ORDER BY seq")
    obj_entries = [e for e in entries if str(e["action"]).startswith("objects.")]
    new_status_ids = sorted(after.statuses - before.statuses)
    assert before.statuses <= after.statuses, f"{what}: a status resource disappeared"

    state = (f"{len(s)} of {len(valid_ids)} objects in the collection, {after.objects - before.objects} new "
             f"`objects` rows, objects.* audit entries {[(e['action'], e['detail']) for e in obj_entries]}, "
             f"{len(new_status_ids)} new status rows")
    if not s:
        assert not acknowledged, f"{what}: the run was acknowledged before the kill, yet nothing is stored"
        assert after.objects == before.objects and not obj_entries and not new_status_ids, \
            f"{what}: no object is in the collection, but not nothing was written: {state}"
        return False, None, after

    assert s == valid_ids, f"{what}: not all or nothing: {state}"
    assert after.objects - before.objects == len(s), f"{what}: `objects` rows do not match the memberships: {state}"
    n_invalid = len(INVALID)
    status_id = None
    if path == "taxii-post":
        assert len(obj_entries) == 1 and obj_entries[0]["action"] == "objects.add", \
            f"{what}: objects stored without exactly one objects.add entry: {state}"
        e = obj_entries[0]
        assert (e["actor"], e["target"]) == (USER, cid), f"{what}: objects.add entry {e}"
        assert _counts(e["detail"], what) == (len(s), 0, 0, n_invalid), f"{what}: objects.add detail {e['detail']!r}"
        assert len(new_status_ids) == 1, f"{what}: objects stored without exactly one status row: {state}"
        status_id = new_status_ids[0]
        row = store.rows(f"SELECT user_id, {store.json_text('json')} AS json FROM statuses WHERE id = '{status_id}'")[0]
        st = json.loads(row["json"])
        assert st.get("id") == status_id and st.get("status") == "complete", f"{what}: stored status {str(st)[:300]}"
        assert (st.get("total_count"), st.get("success_count"), st.get("failure_count"), st.get("pending_count")) == \
            (len(s) + n_invalid, len(s), n_invalid, 0), f"{what}: stored status counts {str(st)[:300]}"
        assert {x["id"] for x in st.get("successes", [])} == s, f"{what}: stored status does not list the stored objects"
        assert {x["id"] for x in st.get("failures", [])} == {o["id"] for o in INVALID}, \
            f"{what}: stored status does not list the invalid objects as failures"
    else:
        prefix = f"{file}: "
        per_file = [e for e in obj_entries if str(e["detail"]).startswith(prefix)]
        summary = [e for e in obj_entries if e["detail"] == IMPORT_SUMMARY]
        assert len(per_file) == 1, f"{what}: objects stored without exactly one per-file objects.import entry: {state}"
        assert len(per_file) + len(summary) == len(obj_entries), f"{what}: unexpected objects.* entries: {state}"
        e = per_file[0]
        assert (e["actor"], e["action"], e["target"]) == ("cli", "objects.import", cid), f"{what}: entry {e}"
        assert _counts(e["detail"][len(prefix):], what) == (len(s), 0, 0, n_invalid), \
            f"{what}: objects.import detail {e['detail']!r}"
        assert len(summary) <= 1 and all(x["seq"] > e["seq"] and x["actor"] == "cli" and x["target"] == cid
                                         for x in summary), f"{what}: summary entry {summary}"
        assert not new_status_ids, f"{what}: `cybex import` wrote a status row"
    return True, status_id, after


def audit_verify(data: Path, database: str | None, what: str) -> None:
    r = cli(["audit", "verify"], data, database, timeout=120)
    assert r.returncode == 0, f"{what}: `cybex audit verify` exited {r.returncode}: {r.stdout[-500:]} {r.stderr[-800:]}"


def sleep_until(deadline: float, done: Any) -> None:
    while time.monotonic() < deadline and not done():
        time.sleep(min(0.002, max(0.0, deadline - time.monotonic())))


# ---------------------------------------------------------------------------- the two paths
class TaxiiPath:
    """One POST of an envelope to a running `cybex serve`; the kill hits the server."""

    def __init__(self, tmp: Path, data: Path, database: str | None) -> None:
        self.data, self.database = data, database
        cli_ok(["org", "add", ORG], data, database)
        cli_ok(["user", "add", USER, "--org", ORG, "--role", "analyst"], data, database, stdin=PASSWORD + "\n")
        self.cid = cli_ok(["collection", "add", "Crash points", "--write", ORG, "--read", ORG], data, database).strip()
        self.server = CybexServer(data, database=database, expect_password=False).start()

    def run(self, objects: list[dict[str, Any]], label: str, kill_at: float | None) -> tuple[float, bool]:
        """Post; kill -9 the server at ``kill_at`` s (None: wait for the answer). Returns (elapsed, acknowledged)."""
        body = json.dumps(corpus.envelope(objects)).encode("utf-8")
        url = self.server.collection_url(self.cid) + "objects/"
        result: dict[str, Any] = {}

        def send() -> None:
            try:
                r = requests.post(url, data=body, auth=(USER, PASSWORD), timeout=120,
                                  headers={"Content-Type": TAXII_MT, "Accept": TAXII_MT})
                result.update(code=r.status_code, text=r.text[:300], at=time.monotonic())
            except requests.RequestException as e:  # the server was killed under the request
                result.update(error=f"{type(e).__name__}", at=time.monotonic())

        thread = threading.Thread(target=send, daemon=True)
        t0 = time.monotonic()
        thread.start()
        if kill_at is None:
            thread.join(150)
            assert result.get("code") == 202, f"{label}: POST answered {result}\n{self.server.log_tail()}"
            return result["at"] - t0, True
        sleep_until(t0 + kill_at, lambda: "at" in result)
        assert self.server.proc is not None and self.server.proc.poll() is None, \
            f"{label}: cybex serve died on its own\n{self.server.log_tail()}"
        killed = time.monotonic()
        self.server.kill()
        thread.join(60)
        acknowledged = "code" in result and result["at"] <= killed
        if acknowledged:
            assert result["code"] == 202, f"{label}: POST answered {result['code']} {result['text']}"
        return killed - t0, acknowledged

    def after_check(self, status_id: str | None, stored: int, label: str) -> None:
        """Restart the server; a stored status resource is served to its user."""
        if self.server.proc is None:
            self.server.start()
        if status_id:
            r = requests.get(self.server.url(f"/taxii2/cybex/status/{status_id}/"), auth=(USER, PASSWORD),
                             headers={"Accept": TAXII_MT}, timeout=60)
            assert r.status_code == 200, f"{label}: GET status {status_id} after restart -> {r.status_code} {r.text[:200]}"
            st = r.json()
            assert st["status"] == "complete" and st["success_count"] == stored, f"{label}: {str(st)[:300]}"

    def close(self) -> None:
        if self.server.proc is not None:
            code = self.server.stop()
            assert code == 0, f"cybex serve exited {code} after SIGTERM\n{self.server.log_tail()}"


class ImportPath:
    """`cybex import FILE --collection ID`; the kill hits the import process."""

    def __init__(self, tmp: Path, data: Path, database: str | None) -> None:
        self.tmp, self.data, self.database = tmp, data, database
        self.cid = cli_ok(["collection", "add", "Crash points"], data, database).strip()
        # The first import creates the node's `admin` organisation; do that before the kills.
        first = tmp / "first.json"
        first.write_text(json.dumps(corpus.bundle(corpus.Corpus(seed=4242).mixed(5))))
        cli_ok(["import", str(first), "--collection", self.cid], data, database)
        self.file: str | None = None

    def run(self, objects: list[dict[str, Any]], label: str, kill_at: float | None) -> tuple[float, bool]:
        path = self.tmp / f"{label}.json"
        path.write_text(json.dumps(corpus.bundle(objects), ensure_ascii=False))
        self.file = str(path)
        cmd = [require_binary(), "import", self.file, "--collection", self.cid, "--data", str(self.data)]
        if self.database:
            cmd += ["--database", self.database]
        log_path = self.tmp / f"{label}.log"
        with open(log_path, "wb") as log:
            t0 = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=_clean_env())
            try:
                if kill_at is None:
                    proc.wait(300)
                    elapsed = time.monotonic() - t0
                else:
                    sleep_until(t0 + kill_at, lambda: proc.poll() is not None)
                    elapsed = time.monotonic() - t0
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGKILL)
                    proc.wait(60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        output = log_path.read_text(errors="replace")[-1000:]
        assert proc.returncode in (0, -signal.SIGKILL), f"{label}: import exited {proc.returncode}: {output}"
        if kill_at is None:
            assert proc.returncode == 0, f"{label}: import failed: {output}"
        return elapsed, proc.returncode == 0

    def after_check(self, status_id: str | None, stored: int, label: str) -> None:
        pass

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------- the test
@pytest.mark.parametrize("path", ["taxii-post", "import"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_at_random_points_leaves_objects_audit_and_status_together(
        backend: str, path: str, tmp_path: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]):
    require_binary()
    database = request.getfixturevalue("pg_database")() if backend == "postgresql" else None
    data = tmp_path / "data"
    started = time.monotonic()
    runner: TaxiiPath | ImportPath = (TaxiiPath if path == "taxii-post" else ImportPath)(tmp_path, data, database)
    store = StoreReader(data, database)
    rng = random.Random(f"crash-points/{backend}/{path}")
    tally = {"before": 0, "between": 0, "after": 0}
    try:
        snap = store.snapshot(runner.cid)

        def trial(label: str, kill_at: float | None) -> tuple[float, bool, bool]:
            nonlocal snap
            objects, valid_ids = trial_objects(rng.getrandbits(64), POINT_OBJECTS[backend])
            elapsed, acknowledged = runner.run(objects, label, kill_at)
            if isinstance(runner, TaxiiPath) and runner.server.proc is not None:
                runner.server.kill()  # an uninterrupted run: stop the server before reading the store
            store.quiesce()
            what = f"{backend}/{path} {label}" + (f" (killed {elapsed:.3f}s after the start)" if kill_at is not None else "")
            file = runner.file if isinstance(runner, ImportPath) else None
            stored, status_id, snap = check_trial(store, runner.cid, snap, valid_ids, path=path, file=file,
                                                  acknowledged=acknowledged, what=what)
            audit_verify(data, database, what)
            runner.after_check(status_id, len(valid_ids) if stored else 0, what)
            return elapsed, stored, acknowledged

        warm_up, stored, _ = trial("warm-up", None)
        assert stored
        durations = []
        for k in range(CALIBRATION_RUNS):
            # A run right after a kill mid-write is slower (SQLite: ~30%) than one after a clean run, and
            # every kill trial follows a kill: time the uninterrupted runs under the same condition.
            trial(f"calibration-{k}-killed", 0.7 * warm_up)
            elapsed, stored, _ = trial(f"calibration-{k}", None)
            assert stored
            durations.append(elapsed)
        duration = max(warm_up, *durations)
        points = kill_points(rng, CRASH_POINTS, duration)
        for i, point in enumerate(points):
            _elapsed, stored, acknowledged = trial(f"kill-{i:02d}", point)
            tally["before" if not stored else "after" if acknowledged else "between"] += 1
        store.integrity(full=True)
    finally:
        runner.close()
    took = time.monotonic() - started
    line = (f"{backend}/{path}: {CRASH_POINTS} kills over [0, {SPAN * duration:.2f}]s (uninterrupted "
            f"{warm_up:.2f} warm-up, {', '.join(f'{d:.2f}' for d in durations)}s): {tally['before']} before the commit (nothing stored), "
            f"{tally['between'] + tally['after']} after it (everything stored; {tally['between']} of them before "
            f"the run had answered); {took:.0f}s")
    with capsys.disabled():
        print("\n" + line)
    assert tally["before"] > 0, f"no kill landed before the commit: {line}"
    if CRASH_POINTS >= 10:  # with fewer points only one or two slices lie past the end: timing noise decides
        assert tally["between"] + tally["after"] > 0, f"no kill landed after the commit: {line}"
