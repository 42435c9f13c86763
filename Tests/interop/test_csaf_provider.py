"""CSAF provider mode, from outside: `cybex csaf publish` then `cybex serve --csaf-publisher-name …` serving
`/.well-known/csaf/` to plain HTTP clients.

- provider-metadata.json names the publisher, role csaf_provider, a directory and a ROLIE feed per TLP folder;
- each TLP folder's index.txt, changes.csv and ROLIE feed list what the requester may read;
- a document is served as the exact bytes published, with SHA-256 and SHA-512 files that match them, and
  every published advisory passes the PyPI `csaf` package's validator (schema and mandatory tests);
- TLP:WHITE documents are served without credentials only with --csaf-anonymous (CSAF's own switch); a
  TLP:AMBER document never is, and only organisations that may read its report under the sharing policy get it;
- an older release of a published advisory is refused.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys

import requests

from conftest import cli, cli_ok

PASSWORD = "a long enough password"


def advisory(tracking_id: str, tlp: str, current: str = "2026-11-01T10:00:00Z", version: str = "1") -> dict:
    history = [{"date": "2026-11-01T10:00:00Z", "number": "1", "summary": "First release"}]
    if version == "2":
        history.append({"date": current, "number": "2", "summary": "Products added"})
    return {
        "document": {
            "category": "csaf_security_advisory", "csaf_version": "2.0", "title": f"{tracking_id}: a flaw in left-pad",
            "publisher": {"category": "coordinator", "name": "Example CERT", "namespace": "https://cert.example"},
            "distribution": {"tlp": {"label": tlp}}, "lang": "en",
            "notes": [{"category": "summary", "text": "A flaw in left-pad before 1.3.0."}],
            "tracking": {"id": tracking_id, "status": "final", "version": version,
                         "initial_release_date": "2026-11-01T10:00:00Z", "current_release_date": current,
                         "revision_history": history},
        },
        "product_tree": {"full_product_names": [
            {"name": "left-pad 1.1.0", "product_id": "CSAFPID-1",
             "product_identification_helper": {"purl": "pkg:npm/left-pad@1.1.0"}}]},
        "vulnerabilities": [{
            "cve": "CVE-2026-50005", "notes": [{"category": "description", "text": "Input is not checked."}],
            "product_status": {"known_affected": ["CSAFPID-1"]},
            "remediations": [{"category": "vendor_fix", "details": "Upgrade to 1.3.0", "product_ids": ["CSAFPID-1"]}],
        }],
    }


def test_provider_serves_published_advisories_under_the_sharing_policy(tmp_path, server_factory):
    data = tmp_path / "provider"
    for org in ("cert", "outsider"):
        cli_ok(["org", "add", org], data)
    cli_ok(["user", "add", "ana", "--org", "cert", "--role", "analyst"], data, stdin=PASSWORD + "\n")
    cli_ok(["user", "add", "oscar", "--org", "outsider", "--role", "analyst"], data, stdin=PASSWORD + "\n")
    collection = cli_ok(["collection", "add", "advisories", "--read", "cert", "--write", "cert"], data).strip().splitlines()[-1]
    files = {}
    for name, tlp in (("white", "WHITE"), ("amber", "AMBER")):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(advisory(f"CERT-2026:{name}", tlp), indent=2) + "\n")
        files[name] = path
    published = cli_ok(["csaf", "publish", "--collection", collection, "--owner", "cert",
                        str(files["white"]), str(files["amber"])], data)
    assert "white/2026/cert-2026_white.json" in published and "amber/2026/cert-2026_amber.json" in published

    server = server_factory(data, expect_password=False, extra_args=["--csaf-publisher-name", "Example CERT", "--csaf-publisher-namespace",
                                              "https://cert.example", "--csaf-anonymous"])
    base = server.base + "/.well-known/csaf"
    metadata = requests.get(base + "/provider-metadata.json", timeout=10).json()
    assert metadata["role"] == "csaf_provider" and metadata["metadata_version"] == "2.0"
    assert metadata["publisher"] == {"category": "coordinator", "name": "Example CERT", "namespace": "https://cert.example"}
    assert metadata["canonical_url"].endswith("/.well-known/csaf/provider-metadata.json")
    directories = [d["directory_url"] for d in metadata["distributions"] if "directory_url" in d]
    assert any(d.endswith("/white/") for d in directories) and any(d.endswith("/amber/") for d in directories)
    feeds = next(d["rolie"]["feeds"] for d in metadata["distributions"] if "rolie" in d)
    assert {f["tlp_label"] for f in feeds} == {"WHITE", "AMBER"}

    # Without credentials: the WHITE advisory, byte for byte, with matching hashes; never the AMBER one.
    white_url = base + "/white/2026/cert-2026_white.json"
    body = requests.get(white_url, timeout=10)
    assert body.status_code == 200 and body.content == files["white"].read_bytes()
    for algorithm in ("sha256", "sha512"):
        line = requests.get(f"{white_url}.{algorithm}", timeout=10).text.split()
        assert line[0] == hashlib.new(algorithm, files["white"].read_bytes()).hexdigest() and line[1] == "cert-2026_white.json"
    assert requests.get(base + "/white/index.txt", timeout=10).text == "2026/cert-2026_white.json\n"
    assert requests.get(base + "/white/changes.csv", timeout=10).text == '"2026/cert-2026_white.json","2026-11-01T10:00:00Z"\n'
    feed = requests.get(base + "/white/feed-tlp-white.json", timeout=10).json()["feed"]
    assert [e["content"]["src"] for e in feed["entry"]] == [white_url]
    amber_url = base + "/amber/2026/cert-2026_amber.json"
    assert requests.get(amber_url, timeout=10).status_code in (401, 404)
    assert requests.get(amber_url + ".sha256", timeout=10).status_code in (401, 404)
    assert requests.get(base + "/amber/index.txt", timeout=10).text == ""

    # With credentials: the sharing policy decides (the collection is read by cert only).
    assert requests.get(amber_url, auth=("ana", PASSWORD), timeout=10).content == files["amber"].read_bytes()
    assert requests.get(amber_url, auth=("oscar", PASSWORD), timeout=10).status_code == 404
    assert requests.get(white_url, auth=("oscar", PASSWORD), timeout=10).status_code == 404
    assert requests.get(base + "/amber/index.txt", auth=("ana", PASSWORD), timeout=10).text == "2026/cert-2026_amber.json\n"

    # Every published advisory, as served, passes the csaf package's validator.
    served = []
    for name, url in (("white", white_url), ("amber", amber_url)):
        path = tmp_path / f"served-{name}.json"
        path.write_bytes(requests.get(url, auth=("ana", PASSWORD), timeout=10).content)
        served.append(str(path))
    validator = shutil.which("csaf", path=os.path.dirname(sys.executable)) or "csaf"
    checked = subprocess.run([validator, "validate", "--spec-version", "v20", "--no-network", *served],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # A newer release replaces the published one; the same release again is refused.
    newer = tmp_path / "white-2.json"
    newer.write_text(json.dumps(advisory("CERT-2026:white", "WHITE", current="2026-11-05T10:00:00Z", version="2")))
    cli_ok(["csaf", "publish", "--collection", collection, "--owner", "cert", str(newer)], data)
    assert requests.get(white_url, timeout=10).content == newer.read_bytes()
    again = cli(["csaf", "publish", "--collection", collection, "--owner", "cert", str(files["white"])], data)
    assert again.returncode != 0 and "newer" in again.stderr


def test_without_the_csaf_switch_nothing_is_served_anonymously(tmp_path, server_factory):
    data = tmp_path / "closed"
    cli_ok(["org", "add", "cert"], data)
    collection = cli_ok(["collection", "add", "advisories", "--read", "cert", "--write", "cert"], data).strip().splitlines()[-1]
    path = tmp_path / "white.json"
    path.write_text(json.dumps(advisory("CERT-2026:open", "WHITE")))
    cli_ok(["csaf", "publish", "--collection", collection, "--owner", "cert", str(path)], data)
    server = server_factory(data, expect_password=False, extra_args=["--csaf-publisher-name", "Example CERT", "--csaf-publisher-namespace",
                                              "https://cert.example", "--anonymous-public"])
    base = server.base + "/.well-known/csaf"
    assert requests.get(base + "/provider-metadata.json", timeout=10).status_code == 200
    assert requests.get(base + "/white/2026/cert-2026_open.json", timeout=10).status_code == 401
    assert requests.get(base + "/white/index.txt", timeout=10).status_code == 401
