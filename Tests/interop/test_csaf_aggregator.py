"""CSAF aggregator mode on loopback: a Cybex follows a second Cybex in provider mode (a feed of format csaf
pointing at its provider-metadata.json) and mirrors its advisories; from a provider whose hash file does not
match a document (a static HTTP server, written here), that document is refused and reported while the others
are stored.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading

from conftest import cli, cli_ok
from test_csaf_provider import advisory


def test_an_aggregator_mirrors_a_provider_on_loopback(tmp_path, server_factory):
    provider = tmp_path / "provider"
    cli_ok(["org", "add", "cert"], provider)
    collection = cli_ok(["collection", "add", "advisories", "--read", "cert", "--write", "cert"], provider).strip().splitlines()[-1]
    for name in ("one", "two"):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(advisory(f"CERT-2026:{name}", "WHITE"), indent=2))
        cli_ok(["csaf", "publish", "--collection", collection, "--owner", "cert", str(path)], provider)
    server = server_factory(provider, extra_args=["--csaf-publisher-name", "Example CERT", "--csaf-publisher-namespace",
                                                  "https://cert.example", "--csaf-anonymous"])

    aggregator = tmp_path / "aggregator"
    cli_ok(["org", "add", "national-cirt"], aggregator)
    mirror = cli_ok(["collection", "add", "mirror"], aggregator).strip().splitlines()[-1]
    cli_ok(["feed", "add", "example-cert", "--format", "csaf", "--url",
            server.base + "/.well-known/csaf/provider-metadata.json", "--owner", "national-cirt",
            "--collection", mirror, "--tlp", "clear"], aggregator)
    cli_ok(["feed", "pull", "example-cert"], aggregator)
    found = cli_ok(["search", "--type", "report", "--collection", mirror, "--json"], aggregator)
    names = sorted(json.loads(line)["object"]["name"] for line in found.splitlines() if line.strip())
    assert names == ["CERT-2026:one: a flaw in left-pad", "CERT-2026:two: a flaw in left-pad"]
    # Nothing new on the next pull.
    cli_ok(["feed", "pull", "example-cert"], aggregator)
    assert len(cli_ok(["search", "--type", "report", "--collection", mirror, "--json"], aggregator).splitlines()) == 2


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - silence the test server
        pass


def test_a_document_whose_hash_does_not_match_is_refused_and_reported(tmp_path):
    root = tmp_path / "site"
    folder = root / ".well-known" / "csaf" / "white" / "2026"
    folder.mkdir(parents=True)
    good = json.dumps(advisory("CERT-2026:good", "WHITE")).encode()
    bad = json.dumps(advisory("CERT-2026:bad", "WHITE")).encode()
    (folder / "cert-2026_good.json").write_bytes(good)
    (folder / "cert-2026_good.json.sha256").write_text(hashlib.sha256(good).hexdigest() + "  cert-2026_good.json\n")
    (folder / "cert-2026_bad.json").write_bytes(bad)
    (folder / "cert-2026_bad.json.sha256").write_text(hashlib.sha256(b"something else").hexdigest() + "  cert-2026_bad.json\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/.well-known/csaf"
    (root / ".well-known" / "csaf" / "white" / "changes.csv").write_text(
        '"2026/cert-2026_good.json","2026-11-01T10:00:00Z"\n"2026/cert-2026_bad.json","2026-11-01T10:00:00Z"\n')
    (root / ".well-known" / "csaf" / "provider-metadata.json").write_text(json.dumps({
        "canonical_url": base + "/provider-metadata.json", "distributions": [{"directory_url": base + "/white/"}],
        "last_updated": "2026-11-01T10:00:00Z", "list_on_CSAF_aggregators": True, "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True, "role": "csaf_provider",
        "publisher": {"category": "coordinator", "name": "Example CERT", "namespace": "https://cert.example"}}))
    try:
        data = tmp_path / "aggregator"
        cli_ok(["org", "add", "national-cirt"], data)
        mirror = cli_ok(["collection", "add", "mirror"], data).strip().splitlines()[-1]
        cli_ok(["feed", "add", "example", "--format", "csaf", "--url", base + "/provider-metadata.json",
                "--owner", "national-cirt", "--collection", mirror, "--tlp", "clear"], data)
        cli(["feed", "pull", "example"], data)
        found = cli_ok(["search", "--type", "report", "--collection", mirror, "--json"], data)
        assert [json.loads(line)["object"]["name"] for line in found.splitlines() if line.strip()] == [
            "CERT-2026:good: a flaw in left-pad"]
        listed = cli_ok(["feed", "list"], data)
        assert "refused" in listed and "cert-2026_bad.json" in listed, listed
        audit = cli_ok(["audit", "list", "--action", "feed.csaf-refused"], data)
        assert "cert-2026_bad.json" in audit and "sha256" in audit
    finally:
        server.shutdown()
