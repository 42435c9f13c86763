"""Data lifecycle from the command line: retention policies and erasure of a person's identifier.

Each is shown with a dry run first (nothing changes), then the real run (exactly the selected
versions go, from every collection), and an audit entry that does not repeat the identifier.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

from conftest import cli, cli_ok

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def indicator(valid_until: str | None, marking: str | None = None, description: str | None = None,
              modified: str = "2026-01-01T00:00:00.000Z", ident: str | None = None) -> dict:
    obj = {"type": "indicator", "spec_version": "2.1", "id": ident or f"indicator--{uuid.uuid4()}",
           "created": "2026-01-01T00:00:00.000Z", "modified": modified, "name": "lifecycle",
           "pattern": "[domain-name:value = 'phish.example.net']", "pattern_type": "stix",
           "valid_from": "2025-01-01T00:00:00Z"}
    if valid_until:
        obj["valid_until"] = valid_until
    if marking:
        obj["object_marking_refs"] = [marking]
    if description:
        obj["description"] = description
    return obj


def load(data: Path, cid: str, objects: list[dict], tmp_path: Path) -> None:
    f = tmp_path / f"{uuid.uuid4()}.json"
    f.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}))
    cli_ok(["import", str(f), "--collection", cid], data)


def ids(data: Path, cid: str) -> set[str]:
    return {o["id"] for o in json.loads(cli_ok(["export", "--collection", cid], data)).get("objects", [])}


def audit(data: Path) -> list[list[str]]:
    return [line.split("\t") for line in cli_ok(["audit", "list", "--limit", "1000"], data).splitlines()]


def test_retention_policies_expire_indicators_by_level(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "cert"], data)
    cid = cli_ok(["collection", "add", "Feed", "--read", "cert"], data).strip()
    expired_green = indicator("2026-02-01T00:00:00Z", GREEN)
    expired_red = indicator("2026-02-01T00:00:00Z", RED)
    current = indicator("2999-01-01T00:00:00Z", GREEN)
    forever = indicator(None, GREEN)
    load(data, cid, [expired_green, expired_red, current, forever], tmp_path)

    cli_ok(["retention", "add", "green-indicators", "--type", "indicator", "--tlp", "green", "--tlp", "clear",
            "--expire-grace-days", "30"], data)
    assert cli_ok(["retention", "list"], data) == "green-indicators\tindicator\tclear,green\t-\t30\n"

    r = cli(["retention", "run", "--dry-run"], data)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\t")[:3] == ["green-indicators", cid, expired_green["id"]]
    assert "1 object versions would be removed" in r.stderr
    assert ids(data, cid) == {expired_green["id"], expired_red["id"], current["id"], forever["id"]}

    r = cli(["retention", "run"], data)
    assert r.returncode == 0 and r.stdout == f"green-indicators\t{cid}\t1\n", (r.stdout, r.stderr)
    assert ids(data, cid) == {expired_red["id"], current["id"], forever["id"]}
    assert any(row[2] == "retention.apply" and row[3] == cid and "1 object versions removed" in row[4] for row in audit(data))

    # bad input: clear errors, nothing stored
    for args, code in ((["retention", "add", "x"], 2), (["retention", "add", "x", "--tlp", "purple", "--purge-after-days", "1"], 2),
                       (["retention", "add", "x", "--purge-after-days", "0"], 1),
                       (["retention", "add", "x", "--type", "Bad Type", "--purge-after-days", "3"], 1),
                       (["retention", "add", "green-indicators", "--purge-after-days", "3"], 1),
                       (["retention", "remove", "nope"], 1)):
        r = cli(args, data)
        assert r.returncode == code, (args, r.returncode, r.stderr)
        assert r.stderr.startswith("cybex: error:") or code == 2
    assert cli_ok(["retention", "list"], data).count("\n") == 1
    cli_ok(["retention", "remove", "green-indicators"], data)
    assert cli_ok(["retention", "list"], data) == ""


def test_erasure_of_a_person_across_versions_and_collections(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "cert"], data)
    a = cli_ok(["collection", "add", "Incidents", "--read", "cert"], data).strip()
    b = cli_ok(["collection", "add", "Shared", "--read", "cert"], data).strip()
    person = "Jane.Doe@Victim.example"
    email = {"type": "email-addr", "spec_version": "2.1", "id": f"email-addr--{uuid.uuid4()}", "value": person.lower()}
    note_id = f"indicator--{uuid.uuid4()}"
    v1 = indicator(None, description=f"phish sent to {person}", ident=note_id)
    v2 = indicator(None, description="phish sent to a staff member", modified="2026-01-02T00:00:00.000Z", ident=note_id)
    unrelated = indicator(None, description="phish sent to someone else")
    load(data, a, [email, v1, v2, unrelated], tmp_path)
    load(data, b, [v1], tmp_path)

    r = cli(["erase", "jane.doe@victim.example", "--dry-run"], data)
    assert r.returncode == 0, r.stderr
    listed = {tuple(line.split("\t")[:2]) for line in r.stdout.splitlines()}
    assert listed == {(a, email["id"]), (a, note_id), (b, note_id)}
    assert len(r.stdout.splitlines()) == 4 and "4 object versions would be removed" in r.stderr
    assert ids(data, a) == {email["id"], note_id, unrelated["id"]}

    r = cli(["erase", "jane.doe@victim.example"], data)
    assert r.returncode == 0 and "4 object versions removed" in r.stderr
    assert ids(data, a) == {unrelated["id"]} and ids(data, b) == set()
    entry = next(row for row in audit(data) if row[2] == "data.erase")
    assert entry[3] == "sha256:" + hashlib.sha256(person.lower().encode()).hexdigest()
    assert person.lower() not in "\n".join("\t".join(row) for row in audit(data)).lower()
    assert cli(["erase", "ab"], data).returncode == 1
