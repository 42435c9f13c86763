"""IODEF v2 from outside: `cybex import --format iodef` and `cybex export --format iodef`, and REST
(`POST`/`GET /api/v1/collections/{id}/iodef`, application/xml) against a running server.

Hostile XML (an external entity, a billion-laughs expansion, 10,000-deep nesting, a 100 MB
attribute, a 1 GB file) is refused by the command line with a clear error, in under a second and
64 MB over a valid import's peak memory (both measured with wait4's rusage of the process),
and nothing is stored. Exported documents are well-formed for xmllint (libxml2) when it is
installed, and for Python's own XML parser.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from conftest import CybexServer, assert_valid_stix, cli, cli_ok, require_binary, stop_cleanly

NS = "urn:ietf:params:xml:ns:iodef-2.0"
FIXTURES = Path(__file__).resolve().parents[1] / "CybexFormatsTests" / "Fixtures" / "iodef"


def incident(ident: str, restriction: str, parties: list[str], address: str, description: str) -> str:
    contacts = "".join(
        f'<Contact role="{"creator" if i == 0 else "victim"}" type="organization"><ContactName>{p}</ContactName></Contact>'
        for i, p in enumerate(parties))
    return f"""<Incident purpose="reporting" status="new" restriction="{restriction}">
  <IncidentID name="csirt.example.org">{ident}</IncidentID>
  <GenerationTime>2026-06-01T09:00:00Z</GenerationTime>
  <Description>{description}</Description>
  {contacts}
  <EventData><Flow><System category="source"><Node><Address category="ipv4-addr">{address}</Address></Node></System></Flow></EventData>
</Incident>"""


def document(*incidents: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<IODEF-Document version="2.00" xmlns="{NS}">\n' + "\n".join(incidents) + "\n</IODEF-Document>\n"


def measured(args: list[str], data: Path) -> tuple[int, float, int, str]:
    """Runs cybex; returns (exit code, seconds, peak RSS in KiB from wait4, stderr)."""
    cmd = [require_binary(), *args, "--data", str(data)]
    env = {k: v for k, v in os.environ.items() if k not in ("CYBEX_DATA", "CYBEX_DATABASE_URL")}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, seconds, usage.ru_maxrss, err


def well_formed(xml: bytes) -> None:
    ET.fromstring(xml)  # Python's own parser
    if shutil.which("xmllint"):
        check = subprocess.run(["xmllint", "--noout", "--nonet", "-"], input=xml, capture_output=True, timeout=60)
        assert check.returncode == 0, check.stderr.decode()


def test_hostile_xml_is_refused_in_bounded_time_and_memory(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "cert"], data)
    cid = cli_ok(["collection", "add", "incidents", "--read", "cert", "--write", "cert"], data).strip()

    valid = tmp_path / "valid.xml"
    valid.write_text(document(incident("B-1", "green", ["cert"], "192.0.2.1", "baseline")))
    code, base_seconds, base_kib, err = measured(["import", "--format", "iodef", str(valid), "--collection", cid, "--owner", "cert"], data)
    assert code == 0, err
    # Remove what the baseline stored, so that "nothing stored" below means the hostile files.
    fresh = tmp_path / "hostile-node"
    cli_ok(["org", "add", "cert"], fresh)
    cid = cli_ok(["collection", "add", "incidents", "--read", "cert", "--write", "cert"], fresh).strip()

    hostile: dict[str, tuple[Path, str]] = {}
    p = tmp_path / "external-entity.xml"
    p.write_text('<?xml version="1.0"?>\n<!DOCTYPE IODEF-Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                 f'<IODEF-Document version="2.00" xmlns="{NS}">&xxe;</IODEF-Document>\n')
    hostile["external entity"] = (p, "DOCTYPE")
    p = tmp_path / "billion-laughs.xml"
    entities = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    p.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>\n<lolz>&lol9;</lolz>\n')
    hostile["billion laughs"] = (p, "DOCTYPE")
    p = tmp_path / "deep.xml"
    p.write_text(f'<IODEF-Document version="2.00" xmlns="{NS}">' + "<EventData>" * 10_000 + "</EventData>" * 10_000 + "</IODEF-Document>")
    hostile["10,000-deep nesting"] = (p, "nested deeper than 64")
    p = tmp_path / "big-attribute.xml"
    with open(p, "wb") as f:
        f.write(f'<IODEF-Document version="2.00" xmlns="{NS}" format-id="'.encode())
        chunk = b"A" * (1 << 20)
        for _ in range(100):
            f.write(chunk)
        f.write(b'"/>')
    hostile["100 MB attribute"] = (p, "at most 16777216")
    p = tmp_path / "gigabyte.xml"
    with open(p, "wb") as f:
        f.write(b"<IODEF-Document>")
        f.truncate(1 << 30)
    hostile["1 GB file"] = (p, "at most 16777216")

    for name, (path, reason) in hostile.items():
        code, seconds, kib, err = measured(["import", "--format", "iodef", str(path), "--collection", cid, "--owner", "cert"], fresh)
        print(f"{name}: refused in {seconds:.3f} s (valid import {base_seconds:.3f} s), peak {kib} KiB, "
              f"{kib - base_kib} KiB over the valid import's")
        assert code != 0, name
        assert reason in err, (name, err)
        assert seconds < 1.0 + base_seconds and seconds < 5, (name, seconds, base_seconds)
        assert kib - base_kib < 64 * 1024, (name, kib, base_kib)
    # Told by the content, not only by --format.
    code, _, _, err = measured(["import", str(hostile["external entity"][0]), "--collection", cid, "--owner", "cert"], fresh)
    assert code != 0 and "DOCTYPE" in err
    assert cli_ok(["export", "--collection", cid], fresh).count('"id"') == 1  # the bundle's own id: no object


def test_cli_round_trip_of_every_fixture_and_restriction_on_export(tmp_path: Path):
    data = tmp_path / "node"
    for org in ("cert", "isp", "peer"):
        cli_ok(["org", "add", org], data)
    cid = cli_ok(["collection", "add", "incidents", "--read", "isp", "--read", "peer", "--read", "cert",
                  "--write", "cert"], data).strip()
    files = sorted(f for f in FIXTURES.glob("*.xml") if not f.name.startswith("invalid-"))
    assert len(files) >= 20
    for f in files:
        out = cli_ok(["import", str(f), "--collection", cid, "--owner", "cert"], data)
        assert " 0 rejected" in out, (f.name, out)
    for f in sorted(FIXTURES.glob("invalid-*.xml")):
        r = cli(["import", str(f), "--collection", cid, "--owner", "cert"], data)
        assert r.returncode != 0 and "invalid IODEF: line " in r.stderr, (f.name, r.stderr)

    # Each incident opened one case handled by the importer; importing again opens none.
    cases = [line.split("\t") for line in cli_ok(["case", "list"], data).splitlines()]
    expected_cases = sum(len(ET.parse(f).getroot().findall(f"{{{NS}}}Incident")) for f in files)
    assert len(cases) == expected_cases and all(c[5] == "cert" for c in cases)
    cli_ok(["import", str(files[0]), "--collection", cid, "--owner", "cert"], data)
    assert len(cli_ok(["case", "list"], data).splitlines()) == expected_cases
    shown = json.loads(cli_ok(["case", "show", cases[0][0]], data))
    assert shown["timeline"][0]["kind"] == "created" and shown["reference"] == cases[0][1]
    # What the incidents became in STIX passes the reference validator.
    assert_valid_stix(json.loads(cli_ok(["export", "--collection", cid], data))["objects"], "STIX made from IODEF")
    everything = cli_ok(["export", "--collection", cid, "--format", "iodef"], data).encode()
    well_formed(everything)
    root = ET.fromstring(everything)
    expected = sum(len(ET.parse(f).getroot().findall(f"{{{NS}}}Incident")) for f in files)
    assert len(root.findall(f"{{{NS}}}Incident")) == expected

    red = document(incident("RED-ONLY-7f3a", "red", ["cert", "isp"], "192.0.2.251", "secret-7f3a"))
    (tmp_path / "red.xml").write_text(red)
    cli_ok(["import", str(tmp_path / "red.xml"), "--collection", cid, "--owner", "cert"], data)
    for_peer = cli(["export", "--collection", cid, "--format", "iodef", "--for", "peer"], data)
    assert "RED-ONLY-7f3a" not in for_peer.stdout and "192.0.2.251" not in for_peer.stdout
    assert "secret-7f3a" not in for_peer.stdout and "EX-2024-00017" in for_peer.stdout
    for_isp = cli_ok(["export", "--collection", cid, "--format", "iodef", "--for", "isp"], data)
    assert "RED-ONLY-7f3a" in for_isp and 'restriction="red"' in for_isp


def test_iodef_over_rest(tmp_path: Path):
    srv = CybexServer(tmp_path / "node").start()
    try:
        admin = ("admin", srv.password)

        def api(method: str, path: str, auth=admin, **kw) -> requests.Response:
            return requests.request(method, srv.url("/api/v1" + path), auth=auth, timeout=60, **kw)

        for org in ("cert", "isp", "peer"):
            assert api("POST", "/organisations", json={"name": org}).status_code == 201
        for user, org, role in (("ana", "cert", "analyst"), ("ivan", "isp", "reader"), ("pia", "peer", "reader")):
            r = api("POST", "/users", json={"username": user, "organisation": org, "role": role, "password": f"{user}-password-1"})
            assert r.status_code == 201, r.text
        cid = api("POST", "/collections", json={"title": "Incidents", "read": ["cert", "isp", "peer"], "write": ["cert"]}).json()["id"]
        ana, ivan, pia = ("ana", "ana-password-1"), ("ivan", "ivan-password-1"), ("pia", "pia-password-1")
        xml = {"Content-Type": "application/xml"}

        body = document(incident("N-1", "need-to-know", ["cert", "isp"], "192.0.2.44", "For isp only"),
                        incident("G-1", "green", ["cert"], "198.51.100.44", "For everyone here"))
        r = api("POST", f"/collections/{cid}/iodef", auth=ana, data=body.encode(), headers=xml)
        assert r.status_code == 200, r.text
        assert r.json()["rejected"] == 0 and r.json()["added"] >= 5

        r = api("GET", f"/collections/{cid}/iodef", auth=ivan)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
        well_formed(r.content)
        assert b"N-1" in r.content and b"G-1" in r.content
        r = api("GET", f"/collections/{cid}/iodef", auth=pia)
        assert r.status_code == 200 and b"G-1" in r.content
        assert b"N-1" not in r.content and b"192.0.2.44" not in r.content and b"For isp only" not in r.content

        # A reader may not post; JSON is not IODEF; hostile and invalid documents are refused, nothing stored.
        assert api("POST", f"/collections/{cid}/iodef", auth=ivan, data=body.encode(), headers=xml).status_code == 403
        assert api("POST", f"/collections/{cid}/iodef", auth=ana, json={"objects": []}).status_code == 415
        before = api("GET", f"/collections/{cid}/count", auth=ana).json()["count"]
        entity = f'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><IODEF-Document version="2.00" xmlns="{NS}">&x;</IODEF-Document>'
        r = api("POST", f"/collections/{cid}/iodef", auth=ana, data=entity.encode(), headers=xml)
        assert r.status_code == 400 and "DOCTYPE" in r.json()["error"]["message"]
        invalid = document(incident("X-1", "bogus", ["cert"], "192.0.2.1", "x"))
        r = api("POST", f"/collections/{cid}/iodef", auth=ana, data=invalid.encode(), headers=xml)
        assert r.status_code == 400 and "line 3, column 1" in r.json()["error"]["message"], r.text
        r = api("POST", f"/collections/{cid}/iodef", auth=ana, data=b"<" + b"a" * (17 << 20), headers=xml)
        assert r.status_code == 413
        assert api("GET", f"/collections/{cid}/count", auth=ana).json()["count"] == before
        # No credentials, no IODEF.
        assert requests.get(srv.url(f"/api/v1/collections/{cid}/iodef"), timeout=30).status_code == 401
    finally:
        stop_cleanly(srv)
