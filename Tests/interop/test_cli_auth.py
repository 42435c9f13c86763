"""Issue 3, authentication: token scopes on the command line and over HTTP, login throttling on a
running server, and the audit export that an outside verifier re-hashes (SECURITY.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import struct
from pathlib import Path

import requests

from conftest import TAXII_MT, CybexServer, assert_taxii_error, cli, cli_ok

GENESIS = "0" * 64


def entry_hash(prev_hash: str, line: dict) -> str:
    """The chain hash of one exported entry, from the formula in SECURITY.md (written here independently)."""
    data = prev_hash.encode("ascii") + struct.pack(">q", line["seq"]) + struct.pack(">q", line["time_us"])
    for field in ("actor", "action", "target", "detail"):
        text = line[field].encode("utf-8")
        data += struct.pack(">Q", len(text)) + text
    return hashlib.sha256(data).hexdigest()


def rehash(lines: list[dict]) -> str:
    """Checks every exported line against its predecessor and returns the last hash."""
    previous = GENESIS
    for expected_seq, line in enumerate(lines, start=1):
        assert line["seq"] == expected_seq, f"seq without gaps: {line['seq']} where {expected_seq} was due"
        assert line["prev_hash"] == previous, f"prev_hash of entry {line['seq']}"
        assert entry_hash(previous, line) == line["hash"], f"hash of entry {line['seq']}"
        parsed = dt.datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
        micros = (parsed - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)
        assert micros == line["time_us"], f"RFC 3339 time and time_us of entry {line['seq']} agree"
        previous = line["hash"]
    return previous


def some_history(data: Path) -> None:
    cli_ok(["org", "add", "acme"], data)
    cli_ok(["user", "add", "alice", "--org", "acme", "--role", "analyst"], data, stdin="alice-secret-1\n")
    cli_ok(["collection", "add", "Feed\twith a tab and ünïcode", "--read", "acme", "--write", "acme"], data)
    cli_ok(["token", "create", "alice"], data)


def test_audit_export_is_rehashed_outside_and_expect_head_catches_a_rewrite(tmp_path: Path):
    data = tmp_path / "data"
    some_history(data)
    out = tmp_path / "audit.jsonl"
    assert cli_ok(["audit", "export", "--output", str(out)], data) == ""
    lines = [json.loads(text) for text in out.read_text("utf-8").splitlines()]
    assert [line["action"] for line in lines] == ["organisation.create", "user.create", "collection.create", "token.create"]
    head = rehash(lines)
    db = sqlite3.connect(data / "cybex.sqlite")
    try:
        assert db.execute("SELECT seq, hash FROM audit_head").fetchone() == (4, head)
    finally:
        db.close()
    # standard output, and --since
    assert [json.loads(t) for t in cli_ok(["audit", "export"], data).splitlines()] == lines
    assert [json.loads(t)["seq"] for t in cli_ok(["audit", "export", "--since", "2"], data).splitlines()] == [3, 4]

    # The recorded head is found while the log grows.
    ok = cli_ok(["audit", "verify", "--expect-head", head], data).splitlines()
    assert ok == ["audit log intact: 4 entries", "expected entry found: seq 4"]
    cli_ok(["token", "create", "alice"], data)
    assert cli_ok(["audit", "verify", "--expect-head", lines[1]["hash"]], data).splitlines()[1] == \
        "expected entry found: seq 2"

    # Someone who can write the database edits entry 2 and rebuilds the chain and the head:
    # plain verify passes, --expect-head does not.
    db = sqlite3.connect(data / "cybex.sqlite")
    try:
        db.execute("UPDATE audit_log SET detail = 'innocent' WHERE seq = 2")
        rows = db.execute("SELECT seq, time, actor, action, target, detail FROM audit_log ORDER BY seq").fetchall()
        previous = GENESIS
        for seq, time_us, actor, action, target, detail in rows:
            line = dict(seq=seq, time_us=time_us, actor=actor, action=action, target=target, detail=detail)
            new = entry_hash(previous, line)
            db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, new, seq))
            previous = new
        db.execute("UPDATE audit_head SET hash = ?", (previous,))
        db.commit()
    finally:
        db.close()
    assert cli_ok(["audit", "verify"], data).strip() == "audit log intact: 5 entries"
    r = cli(["audit", "verify", "--expect-head", head], data)
    assert r.returncode == 1, f"a rewritten chain must fail --expect-head: {r.returncode} {r.stdout!r} {r.stderr!r}"
    assert r.stderr.startswith("cybex: error: audit log does not contain the expected entry " + head), r.stderr
    rehash([json.loads(t) for t in cli_ok(["audit", "export"], data).splitlines()])

    # Truncation: the newest entries deleted and the head moved back.
    db = sqlite3.connect(data / "cybex.sqlite")
    try:
        kept = db.execute("SELECT hash FROM audit_log WHERE seq = 3").fetchone()[0]
        newest = db.execute("SELECT hash FROM audit_log WHERE seq = 5").fetchone()[0]
        db.execute("DELETE FROM audit_log WHERE seq > 3")
        db.execute("UPDATE audit_head SET seq = 3, hash = ?", (kept,))
        db.commit()
    finally:
        db.close()
    assert cli_ok(["audit", "verify"], data).strip() == "audit log intact: 3 entries"
    assert cli(["audit", "verify", "--expect-head", newest], data).returncode == 1

    for bad in ["abc", head.upper(), "g" * 64]:
        r = cli(["audit", "verify", "--expect-head", bad], data)
        assert r.returncode == 2, f"--expect-head {bad!r}: exit {r.returncode}"


def test_token_scopes_from_the_command_line_to_the_server(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "acme"], data)
    cli_ok(["user", "add", "carol", "--org", "acme", "--role", "analyst"], data, stdin="carol-secret-1\n")
    cli_ok(["user", "add", "rita", "--org", "acme", "--role", "reader"], data, stdin="rita-secret-1\n")
    cid = cli_ok(["collection", "add", "Feed", "--read", "acme", "--write", "acme"], data).strip()
    reading = cli_ok(["token", "create", "carol", "--scope", "taxii:read", "--scope", "taxii:read"], data).strip()
    writing = cli_ok(["token", "create", "carol", "--expires-in-days", "3", "--scope", "taxii:write"], data).strip()
    unscoped = cli_ok(["token", "create", "carol"], data).strip()
    assert all(t.startswith("cbx_") and len(t) == 47 for t in (reading, writing, unscoped))
    rows = [line.split("\t") for line in cli_ok(["token", "list"], data).splitlines()]
    assert [(r[4], r[5]) for r in rows] == [("active", "taxii:read"), ("active", "taxii:write"), ("active", "all")]
    assert rows[1][3] != "never"

    audit_before = cli_ok(["audit", "list", "--limit", "1000"], data)
    for args, code, message in [
        (["token", "create", "carol", "--scope", "taxii:admin"], 2, "unknown token scope 'taxii:admin'"),
        (["token", "create", "carol", "--scope", "taxii:read", "--scope", ""], 2, "unknown token scope ''"),
        (["token", "create", "rita", "--scope", "taxii:write"], 1, "exceeds the role reader"),
    ]:
        r = cli(args, data)
        assert r.returncode == code, f"`cybex {' '.join(args)}` exited {r.returncode}, not {code}: {r.stderr!r}"
        assert message in r.stderr and r.stdout == "", r.stderr
    assert len(cli_ok(["token", "list"], data).splitlines()) == 3, "a refused token is not stored"
    assert cli_ok(["audit", "list", "--limit", "1000"], data) == audit_before

    srv = CybexServer(data, expect_password=False).start()
    try:
        objects = srv.collection_url(cid) + "objects/"

        def get(token: str) -> requests.Response:
            return requests.get(objects, headers={"Accept": TAXII_MT, "Authorization": f"Bearer {token}"}, timeout=30)

        def post(token: str) -> requests.Response:
            body = {"objects": [{"type": "identity", "spec_version": "2.1", "id": "identity--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
                                 "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                                 "name": "ACME", "identity_class": "organization"}]}
            return requests.post(objects, json=body, timeout=30, headers={
                "Accept": TAXII_MT, "Content-Type": TAXII_MT, "Authorization": f"Bearer {token}"})

        assert get(reading).status_code == 200
        assert assert_taxii_error(post(reading), 403)["error_code"] == "insufficient-scope"
        assert assert_taxii_error(get(writing), 403)["error_code"] == "insufficient-scope"
        assert post(writing).status_code == 202
        assert get(unscoped).status_code == 200 and post(unscoped).status_code == 202
    finally:
        srv.stop()


def test_throttled_logins_get_429_with_retry_after_and_are_audited(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "acme"], data)
    cli_ok(["user", "add", "dave", "--org", "acme", "--role", "analyst"], data, stdin="dave-secret-1\n")
    srv = CybexServer(data, expect_password=False).start()
    try:
        url = srv.url("/taxii2/")

        def attempt(password: str) -> requests.Response:
            return requests.get(url, headers={"Accept": TAXII_MT}, auth=("dave", password), timeout=30)

        for _ in range(5):
            body = assert_taxii_error(attempt("wrong"), 401)
            assert body["error_code"] == "invalid-credentials"
        r = attempt("dave-secret-1")
        body = assert_taxii_error(r, 429, "the right password while the account is locked out")
        assert body["error_code"] == "throttled"
        assert 0 < int(r.headers["Retry-After"]) <= 60
        # an unknown account is throttled the same way: its existence does not leak
        for _ in range(5):
            assert_taxii_error(requests.get(url, headers={"Accept": TAXII_MT}, auth=("nobody", "x"), timeout=30), 401)
        assert_taxii_error(requests.get(url, headers={"Accept": TAXII_MT}, auth=("nobody", "x"), timeout=30), 429)
    finally:
        srv.stop()
    actions = [line.split("\t")[2] for line in cli_ok(["audit", "list", "--limit", "20"], data).splitlines()]
    assert actions[:7] == ["auth.throttled"] + ["auth.failure"] * 5 + ["auth.throttled"], actions


def test_a_lockout_is_shared_by_two_server_processes_on_postgresql(server_factory, pg_database, tmp_path: Path):
    db = pg_database()
    a = server_factory(tmp_path / "pg-a", database=db)
    b = server_factory(tmp_path / "pg-b", database=db, expect_password=False)
    password = a.password

    def attempt(srv: CybexServer, pw: str) -> requests.Response:
        return requests.get(srv.url("/taxii2/"), headers={"Accept": TAXII_MT}, auth=("admin", pw), timeout=30)

    assert attempt(b, password).status_code == 200
    for srv in (a, b, a, b, a):  # five failures, spread over both processes
        assert_taxii_error(attempt(srv, "wrong"), 401)
    # a has never verified the password: locked out there too; b verified it before the lockout,
    # so it still lets it through (no lockout of people signed in) while refusing every guess
    r = attempt(a, password)
    assert_taxii_error(r, 429, "the account is locked out on every process")
    assert 0 < int(r.headers["Retry-After"]) <= 60
    assert attempt(b, password).status_code == 200
    assert_taxii_error(attempt(b, "another guess"), 429, "guesses are refused unchecked")
