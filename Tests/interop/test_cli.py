"""The `cybex` command line: org/user/token/collection/import/export round trip, audit verify, exit codes, errors."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import stix2validator
from taxii2client.v21 import Collection, Server

import corpus
from conftest import (API_ROOT_PATH, TAXII_MT, BearerAuth, CybexServer, assert_valid_stix, cli, cli_ok,
                      stop_cleanly)


def summary_counts(text: str, word: str) -> list[int]:
    """Numbers that an import summary attaches to ``word``: "613 added", "613 objects added", "added: 613"."""
    num = r"(\d[\d,]*)(?![\w:.-])"
    patterns = [rf"(?<![\w.:-]){num}[ \t]+(?:[a-z-]+[ \t]+){{0,2}}{word}", rf"{word}[ \t]*[:=]?[ \t]*{num}"]
    found = []
    for p in patterns:
        for m in re.finditer(p, text, re.IGNORECASE):
            found.append(int(m.group(1).replace(",", "")))
    return found


def one_line_error(r: Any, what: str) -> str:
    """stderr holds one error line (a usage hint line without the word "error" may follow)."""
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower()]
    assert len(errors) == 1 and len(lines) <= 2, \
        f"{what}: expected one error line on stderr, got {len(lines)} lines: {r.stderr[:600]!r}"
    return errors[0]


def export_bundle(data: Path, cid: str, *extra: str) -> dict[str, Any]:
    out = cli_ok(["export", "--collection", cid, *extra], data)
    bundle = json.loads(out)
    assert bundle.get("type") == "bundle", f"export must write a STIX bundle, got keys {list(bundle)[:5]}"
    assert re.fullmatch(r"bundle--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", bundle.get("id", "")), \
        f"bundle id {bundle.get('id')!r}"
    return bundle


def keyset(objs: list[dict[str, Any]]) -> dict[tuple[str, str | None], dict[str, Any]]:
    out = {}
    for o in objs:
        k = corpus.key_of(o)
        assert k not in out, f"{k} appears twice"
        out[k] = o
    return out


@dataclass
class Env:
    data: Path
    cid: str
    other_cid: str
    token: str
    objects: list[dict[str, Any]]  # file 1 (with versions)
    file1: Path
    file2_objects: list[dict[str, Any]]
    file2: Path
    import1: Any
    import2: Any
    between: str  # a timestamp between the two imports


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    tmp = tmp_path_factory.mktemp("cli")
    data = tmp / "data"
    cli_ok(["org", "add", "acme"], data)
    cli_ok(["user", "add", "alice", "--org", "acme", "--role", "analyst"], data, stdin="alice-secret-1\n")
    cli_ok(["user", "add", "rob", "--org", "acme", "--role", "reader"], data, stdin="rob-secret-1\n")
    token = cli_ok(["token", "create", "alice"], data).strip()
    assert token and len(token.split()) == 1 and len(token) >= 20, f"token create must print only a token: {token!r}"
    cid_out = cli_ok(["collection", "add", "ACME feed", "--description", "Shared with ACME",
                      "--read", "acme", "--write", "acme"], data)
    lines = [ln for ln in cid_out.splitlines() if ln.strip()]
    assert len(lines) == 1, f"collection add must print only the id: {cid_out!r}"
    cid = lines[0].strip()
    assert re.fullmatch(r"[A-Za-z0-9._~-]+", cid), f"collection id must be URL-safe: {cid!r}"
    other = cli_ok(["collection", "add", "Internal"], data).strip()

    c = corpus.Corpus(seed=81)
    objs = c.one_of_each() + c.mixed(400)
    versioned = [o for o in objs if "modified" in o][5:15]
    objs += [c.new_version(o, 1) for o in versioned] + [c.new_version(o, 2) for o in versioned]
    invalid = [dict(corpus.INVALID_CRASH_OBJECTS[0]), dict(corpus.INVALID_CRASH_OBJECTS[1])]
    file1 = tmp / "feed-1.json"
    file1.write_text(json.dumps(corpus.bundle(objs[:200] + invalid + objs[200:]), ensure_ascii=False))
    import1 = cli(["import", str(file1), "--collection", cid], data)
    time.sleep(0.05)
    between = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.05)
    objs2 = c.mixed(50)
    file2 = tmp / "feed-2.json"
    file2.write_text(json.dumps(corpus.bundle(objs2)))
    import2 = cli(["import", "-", "--collection", cid], data, stdin=file2.read_text())
    return Env(data, cid, other, token, objs, file1, objs2, file2, import1, import2, between)


def test_org_user_token_collection_setup(env: Env):
    out = cli_ok(["collection", "list"], env.data)
    assert env.cid in out and "ACME feed" in out, f"collection list: {out!r}"
    assert env.other_cid in out and "Internal" in out


def test_import_summary_counts(env: Env):
    r = env.import1
    assert r.returncode == 0, f"import with 2 rejected objects must still succeed: exit {r.returncode} {r.stderr}"
    text = r.stdout + r.stderr
    distinct = len({o["id"] for o in env.objects})
    added = summary_counts(text, "added")
    assert len(env.objects) in added or distinct in added, \
        f"summary must say {len(env.objects)} versions ({distinct} objects) added; found {added} in {text[:800]!r}"
    assert 2 in summary_counts(text, "rejected"), f"summary must say 2 rejected: {text[:800]!r}"
    for bad in corpus.INVALID_CRASH_OBJECTS[:2]:
        assert bad["id"] in text, f"rejected object {bad['id']} (with a reason) missing from summary: {text[:800]!r}"
    r2 = env.import2
    assert r2.returncode == 0, r2.stderr
    assert len(env.file2_objects) in summary_counts(r2.stdout + r2.stderr, "added"), r2.stdout


def test_export_equals_import_and_validates(env: Env):
    b = export_bundle(env.data, env.cid)
    expected = env.objects + env.file2_objects
    got = keyset(b["objects"])
    want = keyset(expected)
    assert set(got) == set(want), f"export has {len(got)} versions, imported {len(want)}; " \
                                  f"missing {list(set(want) - set(got))[:3]}, extra {list(set(got) - set(want))[:3]}"
    diff = [k for k in want if got[k] != want[k]]
    assert not diff, f"{len(diff)} exported objects differ from the imported ones, e.g. {diff[0]}: " \
                     f"{want[diff[0]]} vs {got[diff[0]]}"
    res = stix2validator.validate_string(json.dumps(b))
    assert res.is_valid, f"exported bundle fails stix2-validator: {[str(e) for e in res.errors][:5]}"
    assert_valid_stix(b["objects"], "exported objects")


def test_reimport_adds_nothing(env: Env, tmp_path: Path):
    r = cli(["import", str(env.file2), "--collection", env.cid], env.data)
    assert r.returncode == 0, r.stderr
    added = summary_counts(r.stdout + r.stderr, "added")
    assert added and set(added) == {0}, f"re-import must report 0 added, found {added} in {r.stdout!r}"
    assert len(export_bundle(env.data, env.cid)["objects"]) == len(env.objects) + len(env.file2_objects)


def test_export_filters(env: Env):
    inds = export_bundle(env.data, env.cid, "--type", "indicator")["objects"]
    want = [o for o in env.objects + env.file2_objects if o["type"] == "indicator"]
    assert set(keyset(inds)) == set(keyset(want))
    two = export_bundle(env.data, env.cid, "--type", "indicator", "--type", "malware")["objects"]
    assert set(keyset(two)) == set(keyset([o for o in env.objects + env.file2_objects
                                           if o["type"] in ("indicator", "malware")]))
    late = export_bundle(env.data, env.cid, "--added-after", env.between)["objects"]
    assert set(keyset(late)) == set(keyset(env.file2_objects)), \
        f"--added-after {env.between}: {len(late)} objects, expected the {len(env.file2_objects)} of the 2nd import"
    empty = export_bundle(env.data, env.other_cid)
    assert empty.get("objects", []) == []


def test_import_several_files(env: Env, tmp_path: Path):
    c = corpus.Corpus(seed=82)
    a, b = c.mixed(20), c.mixed(30)
    fa, fb = tmp_path / "a.json", tmp_path / "b.json"
    fa.write_text(json.dumps(corpus.bundle(a)))
    fb.write_text(json.dumps(corpus.bundle(b)))
    r = cli(["import", str(fa), str(fb), "--collection", env.other_cid], env.data)
    assert r.returncode == 0, r.stderr
    counts = summary_counts(r.stdout + r.stderr, "added")
    assert 50 in counts or sorted(counts) == [20, 30], f"summary must account for 20 + 30 added: {r.stdout!r}"
    assert set(keyset(export_bundle(env.data, env.other_cid)["objects"])) == set(keyset(a + b))


def test_bearer_token_and_basic_over_taxii(env: Env, tmp_path: Path):
    srv = CybexServer(env.data, expect_password=False)
    srv.start()
    try:
        server = Server(srv.url("/taxii2/"), auth=BearerAuth(env.token))
        assert server.title
        col = Collection(srv.collection_url(env.cid), auth=BearerAuth(env.token))
        assert col.can_read is True and col.can_write is True
        got = []
        params: dict[str, Any] = {"limit": 100, "version": "all"}
        env_ = col.get_objects(**params)
        got += env_.get("objects", [])
        while env_.get("more"):
            env_ = col.get_objects(next=env_["next"], **params)
            got += env_.get("objects", [])
        assert set(keyset(got)) == set(keyset(env.objects + env.file2_objects))
        assert_valid_stix(got)
        # the same user with Basic auth; the other collection is not theirs
        basic = Collection(srv.collection_url(env.cid), user="alice", password="alice-secret-1")
        assert basic.title == "ACME feed"
        r = requests.get(srv.collection_url(env.other_cid), auth=("alice", "alice-secret-1"),
                         headers={"Accept": TAXII_MT}, timeout=30)
        assert r.status_code == 404, f"alice must not see the Internal collection: {r.status_code}"
        # a reader of the organisation can read but not write
        reader = Collection(srv.collection_url(env.cid), user="rob", password="rob-secret-1")
        assert reader.can_read is True and reader.can_write is False
        r = requests.get(srv.url(API_ROOT_PATH), headers={"Accept": TAXII_MT, "Authorization": f"Bearer {env.token}x"},
                         timeout=30)
        assert r.status_code == 401
    finally:
        code = srv.stop()
    assert code == 0, f"serve exited {code} on SIGTERM\n{srv.log_tail()}"


def test_password_from_stdin_is_one_line(env: Env):
    cli_ok(["user", "add", "carol", "--org", "acme", "--role", "contributor"], env.data, stdin="pw-with spaces\n")
    srv = CybexServer(env.data, expect_password=False).start()
    try:
        r = requests.get(srv.url("/taxii2/"), auth=("carol", "pw-with spaces"), headers={"Accept": TAXII_MT},
                         timeout=30)
        assert r.status_code == 200, "password must be the whole first line of stdin, without the newline"
    finally:
        stop_cleanly(srv)


@pytest.mark.parametrize("args", [
    ["import", "--collection"],
    ["import", "x.json"],
    ["user", "add", "dave", "--org", "acme", "--role", "overlord"],
    ["user", "add", "dave", "--role", "reader"],
    ["collection", "add"],
    ["export"],
    ["no-such-command"],
    ["serve", "--port", "not-a-port"],
], ids=lambda a: " ".join(a))
def test_usage_errors_exit_2(env: Env, args: list[str]):
    r = cli(args, env.data if args[0] != "no-such-command" else None, stdin="pw\n")
    assert r.returncode == 2, f"`cybex {' '.join(args)}` exited {r.returncode}, expected 2 (usage); stderr {r.stderr!r}"
    one_line_error(r, f"cybex {' '.join(args)}")


@pytest.mark.parametrize("case", ["missing-file", "unknown-collection", "not-json", "unknown-org", "unknown-user",
                                  "duplicate-org", "unknown-export-collection"])
def test_failures_exit_1(env: Env, tmp_path: Path, case: str):
    junk = tmp_path / "junk.json"
    junk.write_text("{ this is not json")
    missing = tmp_path / "does-not-exist.json"
    args = {
        "missing-file": ["import", str(missing), "--collection", env.cid],
        "unknown-collection": ["import", str(env.file2), "--collection", "no-such-collection"],
        "not-json": ["import", str(junk), "--collection", env.cid],
        "unknown-org": ["user", "add", "erin", "--org", "no-such-org", "--role", "reader"],
        "unknown-user": ["token", "create", "no-such-user"],
        "duplicate-org": ["org", "add", "acme"],
        "unknown-export-collection": ["export", "--collection", "no-such-collection"],
    }[case]
    before = len(export_bundle(env.data, env.cid)["objects"])
    r = cli(args, env.data, stdin="pw\n")
    assert r.returncode == 1, f"`cybex {' '.join(args)}` exited {r.returncode}, expected 1; stderr {r.stderr!r}"
    line = one_line_error(r, case)
    if case == "missing-file":
        assert str(missing) in line or missing.name in line, f"error must name the file: {line!r}"
    assert len(export_bundle(env.data, env.cid)["objects"]) == before, "a failed command changed the store"


def test_serve_first_run_prints_password_once(tmp_path: Path):
    srv = CybexServer(tmp_path / "fresh").start()
    try:
        pw_lines = [ln for ln in srv.stdout_lines if ln.startswith("admin password: ")]
        assert len(pw_lines) == 1
        r = requests.get(srv.url("/taxii2/"), auth=("admin", srv.password), headers={"Accept": TAXII_MT}, timeout=30)
        assert r.status_code == 200
    finally:
        stop_cleanly(srv)
    again = CybexServer(tmp_path / "fresh", expect_password=False).start()
    try:
        time.sleep(0.3)
        assert not any("password" in ln for ln in again.stdout_lines), f"second start printed {again.stdout_lines}"
    finally:
        stop_cleanly(again)
    assert not any(srv.password in ln for ln in srv.log_path.read_text(errors="replace").splitlines()), \
        "the admin password must not appear in the logs"


def test_disabled_users_and_revoked_tokens_are_refused_at_once(tmp_path: Path):
    """`cybex user disable` and `cybex token revoke` take effect on a running server without a restart,
    for Basic credentials that the server has already verified and cached and for bearer tokens."""
    data = tmp_path / "node"
    cli_ok(["org", "add", "acme"], data)
    cli_ok(["user", "add", "carol", "--org", "acme", "--role", "analyst"], data, stdin="carol-secret-1\n")
    first = cli_ok(["token", "create", "carol"], data).strip()
    second = cli_ok(["token", "create", "carol"], data).strip()
    listed = [line.split("\t") for line in cli_ok(["token", "list", "carol"], data).splitlines()]
    assert [row[1] for row in listed] == ["carol", "carol"] and all(row[4] == "active" for row in listed)
    assert first not in cli_ok(["token", "list"], data), "token secrets must never be shown again"
    srv = CybexServer(data, expect_password=False).start()  # users exist: no admin is created
    try:
        url = srv.url(API_ROOT_PATH)

        def status(**kwargs: Any) -> int:
            return requests.get(url, headers={"Accept": TAXII_MT, **kwargs.pop("headers", {})}, timeout=30,
                                **kwargs).status_code

        assert status(auth=("carol", "carol-secret-1")) == 200
        assert status(headers={"Authorization": f"Bearer {first}"}) == 200
        # revoke the first token by its id: it stops working, the second one does not
        revoked_id = listed[0][0]
        assert cli_ok(["token", "revoke", revoked_id], data).strip() == f"revoked {revoked_id}"
        states = {row.split("\t")[0]: row.split("\t")[4] for row in cli_ok(["token", "list"], data).splitlines()}
        assert states[revoked_id] == "revoked"
        still = first if status(headers={"Authorization": f"Bearer {first}"}) == 200 else second
        assert status(headers={"Authorization": f"Bearer {still}"}) == 200
        assert sum(status(headers={"Authorization": f"Bearer {t}"}) == 401 for t in (first, second)) == 1
        r = cli(["token", "revoke", revoked_id], data)
        assert r.returncode == 1 and r.stderr.startswith("cybex: error:")
        # disable carol: cached Basic credentials and the remaining token stop at once; enable again
        assert cli_ok(["user", "disable", "carol"], data).strip() == "disabled carol"
        assert status(auth=("carol", "carol-secret-1")) == 401
        assert status(headers={"Authorization": f"Bearer {still}"}) == 401
        cli_ok(["user", "enable", "carol"], data)
        assert status(auth=("carol", "carol-secret-1")) == 200
        r = cli(["user", "disable", "nobody"], data)
        assert r.returncode == 1 and "no user named 'nobody'" in r.stderr
    finally:
        srv.stop()


def test_audit_list_and_verify_detect_an_edited_row(tmp_path: Path):
    data = tmp_path / "data"
    cli_ok(["org", "add", "acme"], data)
    cli_ok(["user", "add", "alice", "--org", "acme", "--role", "analyst"], data, stdin="alice-secret-1\n")
    cli_ok(["collection", "add", "Feed\twith a tab\nand a line break", "--read", "acme", "--write", "acme"], data)
    cli_ok(["token", "create", "alice"], data)

    rows = [ln.split("\t") for ln in cli_ok(["audit", "list"], data).splitlines()]
    assert len(rows) == 4 and all(len(r) == 5 for r in rows), f"audit list: {rows!r}"
    assert [r[2] for r in rows] == ["token.create", "collection.create", "user.create", "organisation.create"], \
        f"newest first: {[r[2] for r in rows]}"
    for r in rows:
        assert dt.datetime.fromisoformat(r[0].replace("Z", "+00:00")).tzinfo is not None, f"ISO 8601 time: {r[0]!r}"
        assert r[1] == "cli"
    assert rows[1][4].startswith("Feed\\twith a tab\\nand a line break"), f"escaped detail: {rows[1][4]!r}"
    assert len(cli_ok(["audit", "list", "--limit", "2"], data).splitlines()) == 2
    # Searching: an action, a family, an actor, a time range; a bad time is a usage error.
    assert [ln.split("\t")[2] for ln in cli_ok(["audit", "list", "--action", "user.create"], data).splitlines()] == ["user.create"]
    families = [ln.split("\t")[2] for ln in cli_ok(["audit", "list", "--action", "collection.*"], data).splitlines()]
    assert families == ["collection.create"], families
    assert cli_ok(["audit", "list", "--actor", "nobody"], data) == ""
    assert len(cli_ok(["audit", "list", "--since", "2000-01-01T00:00:00Z", "--until", "2999-01-01T00:00:00Z"], data).splitlines()) == 4
    assert cli_ok(["audit", "list", "--since", "2999-01-01T00:00:00Z"], data) == ""
    r = cli(["audit", "list", "--since", "yesterday"], data)
    assert r.returncode == 2 and "--since must be an RFC 3339" in r.stderr, r.stderr

    assert cli_ok(["audit", "verify"], data).strip() == "audit log intact: 4 entries"

    db = sqlite3.connect(data / "cybex.sqlite")
    try:
        db.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2")
        db.commit()
    finally:
        db.close()
    r = cli(["audit", "verify"], data)
    assert r.returncode == 1, f"a tampered log must exit 1: {r.returncode} {r.stdout!r} {r.stderr!r}"
    line = one_line_error(r, "audit verify")
    assert re.fullmatch(r"cybex: error: audit log tampered at entry 2: .*hash mismatch.*", line), line


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_org_hierarchy_and_sharing_groups_round_trip(tmp_path: Path, request: pytest.FixtureRequest, backend: str):
    """`org add --parent/--default-tlp`, `org list` columns, `group add/list/add-member/remove-member`, each
    audited; unknown names and duplicates exit 1, a bad TLP level exits 2, and neither changes the store."""
    data, database = tmp_path / "data", request.getfixturevalue("pg_database")() if backend == "postgresql" else None
    ok = lambda *args: cli_ok(list(args), data, database)  # noqa: E731
    cert = ok("org", "add", "cert", "--default-tlp", "amber+strict").strip()
    ok("org", "add", "isp", "--parent", "cert")
    ok("org", "add", "clinic", "--parent", "isp", "--default-tlp", "green")
    ok("org", "add", "peer")
    rows = {r[1]: r for r in (ln.split("\t") for ln in ok("org", "list").splitlines())}
    assert rows["cert"] == [cert, "cert", "-", "amber+strict"], rows["cert"]
    assert [rows[n][2:] for n in ("isp", "clinic", "peer")] == [["cert", "-"], ["isp", "green"], ["-", "-"]], rows
    assert re.fullmatch(r"[0-9a-f-]{36}", ok("group", "add", "region").strip())
    ok("group", "add", "empty")
    ok("group", "add-member", "region", "peer")
    ok("group", "add-member", "region", "cert")
    assert ok("group", "list").splitlines() == ["empty\t", "region\tcert,peer"]
    ok("group", "remove-member", "region", "peer")
    assert ok("group", "list").splitlines() == ["empty\t", "region\tcert"]
    actions = [ln.split("\t")[2] for ln in ok("audit", "list").splitlines()]
    assert actions == ["sharing-group.remove-member"] + ["sharing-group.add-member"] * 2 + \
        ["sharing-group.create"] * 2 + ["organisation.create"] * 4, actions
    for args, message in {
        ("org", "add", "x", "--parent", "nobody"): "no organisation named 'nobody'",
        ("group", "add", "region"): "sharing group 'region' already exists",
        ("group", "add-member", "nogroup", "cert"): "no sharing group named 'nogroup'",
        ("group", "add-member", "region", "nobody"): "no organisation named 'nobody'",
        ("group", "add-member", "region", "cert"): "'cert' is already a member of sharing group 'region'",
        ("group", "remove-member", "region", "peer"): "'peer' is not a member of sharing group 'region'",
        ("org", "add", "y", "--default-tlp", "white"): "white",
    }.items():
        r = cli(list(args), data, database)
        expected = 2 if "--default-tlp" in args else 1
        assert r.returncode == expected, f"`cybex {' '.join(args)}` exited {r.returncode}, not {expected}: {r.stderr!r}"
        assert message in one_line_error(r, " ".join(args))
    assert len(ok("org", "list").splitlines()) == 4 and len(ok("audit", "list").splitlines()) == len(actions)
    assert ok("audit", "verify").startswith("audit log intact")
