"""`cybex redact`: a bundle redacted with every rule on (and granular TLP for an AMBER destination)
still passes stix2-validator, leaks none of the redacted values, and is the same on every run."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import stix2
from stix2validator import ValidationOptions, validate_instance

from conftest import cli, cli_ok

TLP_RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
T = "2026-01-01T00:00:00.000Z"
SECRETS = ["alice@hospital.example", "Alice Example", "jdoe", "1001", "198.51.100.7", "2001:db8:1::42",
           "token=s3cret", "session=abc", "The CFO said", "our analyst", "Call notes", "named victim"]

POLICY = {"name": "every-rule", "destination": "export", "rules": [
    {"rule": "pseudonymise-email-addresses"},
    {"rule": "pseudonymise-user-accounts"},
    {"rule": "pseudonymise-ip-addresses", "ranges": ["198.51.100.0/24", "2001:db8:1::/48"]},
    {"rule": "drop-properties", "properties": ["identity.contact_information", "x_internal_ticket"]},
    {"rule": "strip-url-queries"},
    {"rule": "drop-free-text"},
]}


def sco(obj: Any) -> dict[str, Any]:
    return json.loads(obj.serialize())


def fixture_bundle() -> dict[str, Any]:
    email = sco(stix2.EmailAddress(value="alice@hospital.example", display_name="Alice Example"))
    account = sco(stix2.UserAccount(user_id="1001", account_login="jdoe", account_type="unix"))
    victim = sco(stix2.IPv4Address(value="198.51.100.7"))
    attacker = sco(stix2.IPv4Address(value="203.0.113.9"))
    victim6 = sco(stix2.IPv6Address(value="2001:db8:1::42"))
    traffic = sco(stix2.NetworkTraffic(src_ref=victim["id"], dst_ref=attacker["id"], protocols=["tcp"]))
    message = sco(stix2.EmailMessage(is_multipart=False, from_ref=email["id"], subject="Invoice"))
    url = sco(stix2.URL(value="https://evil.example/login.php?token=s3cret#frag"))

    def sdo(typ: str, uid: str, **props: Any) -> dict[str, Any]:
        return {"type": typ, "spec_version": "2.1", "id": f"{typ}--{uid}", "created": T, "modified": T, **props}

    identity = sdo("identity", "3c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a11", name="Hospital A",
                   identity_class="organization", contact_information="soc@hospital.example",
                   x_internal_ticket="INC-42")
    indicator = sdo("indicator", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", pattern_type="stix",
                    valid_from="2026-01-01T00:00:00Z", description="Phish sent to a named victim",
                    pattern="[email-addr:value = 'alice@hospital.example'] OR [ipv4-addr:value = '198.51.100.7']"
                            " OR [user-account:account_login = 'jdoe'] OR [ipv4-addr:value = '203.0.113.9']"
                            " OR [url:value = 'https://evil.example/a?session=abc']",
                    external_references=[
                        {"source_name": "ticket", "description": "Call notes with the victim"},
                        {"source_name": "sandbox", "url": "https://sandbox.example/r?token=s3cret",
                         "description": "run"}])
    note = sdo("note", "7c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a14", abstract="Call notes",
               content="The CFO said the password was reused.", object_refs=[identity["id"]])
    opinion = sdo("opinion", "8c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a15", opinion="agree",
                  explanation="our analyst agrees", object_refs=[indicator["id"]])
    observed = sdo("observed-data", "9c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a16", first_observed=T, last_observed=T,
                   number_observed=1, object_refs=[traffic["id"], message["id"], url["id"], account["id"],
                                                   victim6["id"]])
    report = sdo("report", "5c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a12", name="Phishing wave", published=T,
                 labels=["phishing", "named victim"],
                 object_refs=[indicator["id"], note["id"], opinion["id"], observed["id"], email["id"]],
                 granular_markings=[{"marking_ref": TLP_RED, "selectors": ["labels.[1]"]},
                                    {"marking_ref": TLP_GREEN, "selectors": ["name", "labels.[0]"]}])
    objects = [email, account, victim, attacker, victim6, traffic, message, url, identity, indicator, note,
               opinion, observed, report]
    return {"type": "bundle", "id": "bundle--1c1d8f3c-9c5e-4a8e-9d4b-2b8d6e8b1a10", "objects": objects}


def redact(tmp_path: Path, bundle: dict[str, Any], policy: dict[str, Any] = POLICY, key: bytes = b"k" * 32):
    (tmp_path / "bundle.json").write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    (tmp_path / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    (tmp_path / "key").write_bytes(key)
    return cli(["redact", "--policy", str(tmp_path / "policy.json"), "--key-file", str(tmp_path / "key"),
                "--input", str(tmp_path / "bundle.json"), "--max-tlp", "amber"], None)


def test_redacted_bundle_passes_stix2_validator(tmp_path: Path):
    bundle = fixture_bundle()
    assert validate_instance(bundle, ValidationOptions(strict=False)).is_valid
    r = redact(tmp_path, bundle)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    result = validate_instance(out, ValidationOptions(strict=False))
    assert result.is_valid, [str(e) for e in result.errors]
    for secret in SECRETS:
        assert secret not in r.stdout, secret
    assert "203.0.113.9" in r.stdout  # attacker infrastructure is still shared
    outcomes = dict(line.split("\t")[::-1] for line in r.stderr.splitlines())
    assert len(outcomes) == len(bundle["objects"]) and "withheld" not in outcomes.values()

    ids = {o["id"] for o in out["objects"]}
    by_type = {o["type"]: o for o in out["objects"]}
    refs = [ref for o in out["objects"] for k, v in o.items() if k.endswith("_refs") for ref in v]
    refs += [v for o in out["objects"] for k, v in o.items() if k.endswith("_ref") and "--" in v]
    assert set(refs) <= ids  # every reference still resolves inside the bundle
    email = by_type["email-addr"]["value"]
    assert re.fullmatch(r"h-[0-9a-f]{32}@pseudonymised\.invalid", email)
    assert f"'{email}'" in by_type["indicator"]["pattern"]
    assert by_type["report"]["labels"] == ["phishing"]
    assert by_type["report"]["granular_markings"] == [{"marking_ref": TLP_GREEN, "selectors": ["name", "labels.[0]"]}]

    again = redact(tmp_path, bundle)
    assert again.stdout == r.stdout  # deterministic
    from_stdin = cli_ok(["redact", "--policy", str(tmp_path / "policy.json"), "--key-file", str(tmp_path / "key"),
                         "--max-tlp", "amber"], None, stdin=json.dumps(bundle))
    assert from_stdin == r.stdout
    other_key = redact(tmp_path, bundle, key=b"x" * 32)

    assert json.loads(other_key.stdout)["objects"][0]["value"] != email


def test_bad_policy_and_short_key_are_refused(tmp_path: Path):
    bundle = fixture_bundle()
    bad = {"name": "p", "destination": "export", "rules": [{"rule": "hash-everything"}]}
    r = redact(tmp_path, bundle, policy=bad)
    assert r.returncode == 1 and r.stderr.startswith("cybex: error:") and "unknown rule 'hash-everything'" in r.stderr
    r = redact(tmp_path, bundle, key=b"short")
    assert r.returncode == 1 and "at least 16 bytes" in r.stderr
    ok = cli_ok(["redact", "--help"], None)
    assert "--key-file" in ok
