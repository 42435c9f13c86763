"""Scheduled jobs across processes: the retention job runs once per period on one database.

Two `cybex serve` processes on one PostgreSQL database, with --retention-interval-seconds 2: the
audit log shows one `retention.run` per period, never two within one. Then, with each run held for
4 s (--job-delay-seconds) under a 3 s lease (--job-lease-seconds), the process holding the lease
is killed with SIGKILL mid-run: the other takes the job over once the lease has expired, and the
killed run never completes nor is audited. On SQLite one process runs it; `cybex jobs list` shows
the record.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from conftest import CybexServer, cli_ok, stop_cleanly

PERIOD = 2.0


def parse_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def retention_runs(data: Path, database: str | None) -> list[tuple[float, int, str]]:
    """(time, run number, holder) of each `retention.run` entry, oldest first."""
    out = cli_ok(["audit", "list", "--action", "retention.run", "--limit", "10000"], data, database)
    runs = []
    for line in out.splitlines():
        when, actor, action, target, detail = line.split("\t")
        assert (actor, action, target) == ("retention", "retention.run", "retention"), line
        head, _, removed = detail.partition(": ")
        assert removed == "0 object versions removed", detail
        _, number, _, holder = head.split(" ")
        runs.append((parse_time(when), int(number), holder))
    return sorted(runs)


def retention_record(data: Path, database: str | None) -> dict | None:
    records = json.loads(cli_ok(["jobs", "list", "--json"], data, database))
    return next((r for r in records if r["name"] == "retention"), None)


def pid_of(holder: str) -> int:
    return int(holder.split(":")[-2])


def pid(server: CybexServer) -> int:
    assert server.proc is not None
    return server.proc.pid


def test_two_processes_on_postgres_run_retention_once_per_period(tmp_path: Path, pg_database, server_factory):
    url = pg_database()
    args = ["--retention-interval-seconds", str(int(PERIOD))]
    a = server_factory(tmp_path / "a", database=url, extra_args=args)
    b = server_factory(tmp_path / "b", database=url, extra_args=args, expect_password=False)
    pids = {pid(a), pid(b)}
    started = time.time()
    time.sleep(8.5)
    stop_cleanly(a)
    stop_cleanly(b)
    elapsed = time.time() - started

    runs = retention_runs(tmp_path, url)
    # The first run comes one period after a process started; then one per period.
    assert 2 <= len(runs) <= elapsed / PERIOD + 1, runs
    assert [n for _, n, _ in runs] == list(range(1, len(runs) + 1)), runs
    gaps = [later[0] - earlier[0] for earlier, later in zip(runs, runs[1:])]
    # Runs start a period apart at least; their ends may differ by the runs' own jitter.
    assert min(gaps) >= PERIOD - 0.3, gaps
    assert {pid_of(h) for _, _, h in runs} <= pids, runs
    record = retention_record(tmp_path, url)
    assert record is not None
    assert record["runs"] == len(runs) and record["last_outcome"] == "succeeded"
    assert "lease_holder" not in record and record["period_seconds"] == PERIOD


def test_a_killed_lease_holder_is_taken_over_after_its_lease_expires(tmp_path: Path, pg_database, server_factory):
    url = pg_database()
    args = ["--retention-interval-seconds", "2", "--job-lease-seconds", "3", "--job-delay-seconds", "4"]
    a = server_factory(tmp_path / "a", database=url, extra_args=args)
    b = server_factory(tmp_path / "b", database=url, extra_args=args, expect_password=False)
    servers = {pid(a): a, pid(b): b}

    deadline = time.time() + 20
    record = None
    while time.time() < deadline:
        record = retention_record(tmp_path, url)
        if record and record.get("lease_holder"):
            break
        time.sleep(0.2)
    assert record and record.get("lease_holder"), f"no run started: {record}"
    # Mid-run (the run holds its lease 4 s before it does anything): kill its process.
    killed_holder = record["lease_holder"]
    killed_run = record["runs"]
    victim = servers[pid_of(killed_holder)]
    survivor = b if victim is a else a
    survivor_pid = pid(survivor)
    # The latest expiry the victim can have set: read after the kill, nothing renews it any more.
    victim.kill()
    killed_at = time.time()
    record = retention_record(tmp_path, url)
    assert record is not None
    if record.get("lease_holder") == killed_holder:
        expiry = parse_time(record["lease_expires"])
        assert expiry <= killed_at + 3.5, record
    else:
        expiry = None  # the run had just ended before the kill; nothing to take over

    deadline = time.time() + 20
    taken = None
    while time.time() < deadline:
        taken = retention_record(tmp_path, url)
        if taken and taken.get("lease_holder") and pid_of(taken["lease_holder"]) == survivor_pid:
            break
        time.sleep(0.1)
    assert taken and pid_of(taken["lease_holder"]) == survivor_pid, f"not taken over: {taken}"
    if expiry is not None:
        assert parse_time(taken["last_started"]) >= expiry - 0.001, (taken, expiry)
    # The survivor's run completes and is audited; the killed run never is.
    deadline = time.time() + 20
    while time.time() < deadline:
        if any(pid_of(h) == survivor_pid and n >= taken["runs"] for _, n, h in retention_runs(tmp_path, url)):
            break
        time.sleep(0.2)
    stop_cleanly(survivor)
    runs = retention_runs(tmp_path, url)
    numbers = [n for _, n, _ in runs]
    assert len(numbers) == len(set(numbers)), runs
    assert taken["runs"] in numbers, runs
    if expiry is not None:
        assert killed_run not in numbers, (killed_run, runs)
    assert all(not (h == killed_holder and t > killed_at) for t, _, h in runs), runs
    final = retention_record(tmp_path, url)
    assert final is not None and final["last_outcome"] == "succeeded" and "lease_holder" not in final


def test_on_sqlite_one_process_runs_it_and_jobs_list_shows_it(tmp_path: Path, server_factory):
    data = tmp_path / "data"
    srv = server_factory(data, extra_args=["--retention-interval-seconds", "1"])
    srv_pid = pid(srv)
    time.sleep(3.6)
    stop_cleanly(srv)
    runs = retention_runs(data, None)
    assert len(runs) >= 2 and {pid_of(h) for _, _, h in runs} == {srv_pid}, runs
    lines = cli_ok(["jobs", "list"], data).splitlines()
    assert len(lines) == 1, lines
    name, started, finished, outcome, duration, count, holder, expiry = lines[0].split("\t")
    assert (name, outcome, count, holder, expiry) == ("retention", "succeeded", str(len(runs)), "-", "-")
    assert parse_time(started) <= parse_time(finished) and float(duration) >= 0


def test_retention_interval_zero_means_never(tmp_path: Path, server_factory):
    data = tmp_path / "data"
    srv = server_factory(data, extra_args=["--retention-interval-seconds", "0"])
    time.sleep(1.5)
    stop_cleanly(srv)
    assert cli_ok(["jobs", "list"], data) == ""
    assert json.loads(cli_ok(["jobs", "list", "--json"], data)) == []
