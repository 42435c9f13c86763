"""Stored redaction policies: a destination's preview is exactly what the export sends, the
redacted export passes stix2-validator and leaks no redacted value, pseudonyms are stable across
exports under the stored key, and a bad policy is refused with nothing stored."""
from __future__ import annotations

import json
from pathlib import Path

from stix2validator import ValidationOptions, validate_instance

from conftest import cli, cli_ok
from test_redact import POLICY, SECRETS, fixture_bundle


def objects(text: str) -> list[dict]:
    return json.loads(text).get("objects", [])


def test_stored_policy_preview_equals_export_and_passes_the_validator(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "cert"], data)
    cli_ok(["org", "add", "peer"], data)
    cid = cli_ok(["collection", "add", "Cases", "--read", "cert", "--read", "peer", "--default-tlp", "green"], data).strip()
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(fixture_bundle()))
    cli_ok(["import", str(bundle), "--collection", cid, "--owner", "cert"], data)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY))
    cli_ok(["redaction", "add", "--policy", str(policy)], data)
    assert cli_ok(["redaction", "list"], data).split("\t")[:2] == ["every-rule", "export"]

    exported = cli_ok(["export", "--collection", cid, "--for", "peer", "--redaction", "every-rule"], data)
    sent = objects(exported)
    assert sent, "the export sends the redacted objects"
    result = validate_instance(json.loads(exported), ValidationOptions(strict=False))
    assert result.is_valid, [str(e) for e in result.errors]
    for secret in SECRETS:
        assert secret not in exported, secret
    assert "203.0.113.9" in exported  # attacker infrastructure outside the ranges is still shared

    # the preview prints the same objects, and says what happened to each
    r = cli(["redaction", "preview", "every-rule", "--collection", cid, "--for", "peer", "--limit", "1000"], data)
    assert r.returncode == 0, r.stderr
    assert objects(r.stdout) == sent
    outcomes = [line.split("\t") for line in r.stderr.splitlines() if "\t" in line]
    assert {o[0] for o in outcomes} <= {"unchanged", "redacted", "withheld"} and any(o[0] == "redacted" for o in outcomes)
    assert len([o for o in outcomes if o[0] != "withheld"]) == len(sent)
    short = cli_ok(["redaction", "preview", "every-rule", "--collection", cid, "--for", "peer", "--limit", "2"], data)
    assert objects(short) == sent[:2]

    # HMAC stability: the stored key gives the same pseudonyms on every export
    again = cli_ok(["export", "--collection", cid, "--for", "peer", "--redaction", "every-rule"], data)
    assert objects(again) == sent
    # ... and a policy stored anew (new key) gives other ones
    other = dict(POLICY, name="every-rule-2")
    policy.write_text(json.dumps(other))
    cli_ok(["redaction", "add", "--policy", str(policy)], data)
    fresh = cli_ok(["export", "--collection", cid, "--for", "peer", "--redaction", "every-rule-2"], data)
    assert objects(fresh) != sent and len(objects(fresh)) == len(sent)

    rows = [line.split("\t") for line in cli_ok(["audit", "list"], data).splitlines()]
    assert any(row[2] == "redaction.create" and "every-rule for export" in row[4] for row in rows)
    assert any(row[2] == "objects.export" and "redaction every-rule" in row[4] for row in rows)
    cli_ok(["redaction", "remove", "every-rule-2"], data)
    assert cli(["export", "--collection", cid, "--redaction", "every-rule-2"], data).returncode == 1


def test_bad_redaction_policies_are_refused_and_nothing_is_stored(tmp_path: Path):
    data = tmp_path / "node"
    bad = tmp_path / "bad.json"
    for document, message in (
            ('{"name": "x", "destination": "export", "rules": [{"rule": "shred"}]}', "shred"),
            ('{"name": "x", "destination": "moon", "rules": []}', "moon"),
            ('{"name": "x", "destination": "export", "rules": [{"rule": "pseudonymise-ip-addresses", "ranges": ["10.0.0.0/33"]}]}', "10.0.0.0/33"),
            ('{"name": "x", "name": "y", "destination": "export", "rules": []}', "duplicate"),
            ('not json', "not a redaction policy")):
        bad.write_text(document)
        r = cli(["redaction", "add", "--policy", str(bad)], data)
        assert r.returncode == 1 and r.stderr.startswith("cybex: error:"), (document, r.stderr)
        assert message in r.stderr.lower() or message in r.stderr, (document, r.stderr)
    assert cli_ok(["redaction", "list"], data) == ""
