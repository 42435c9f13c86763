"""Constituency, enrichment and trace from outside: `cybex constituency import`, `cybex enrichment
load --format ip2asn|rir-delegated`, `cybex trace` and POST /api/v1/traces.

A national CIRT (cirt) coordinates an ISP (isp) that registers its networks, AS and domain from a
CSV file; the administrator loads an ip2asn table and an RIR delegated-extended file written here.
A trace of an address names the indicator that carries it, the report that references it, the
network, AS and country, and isp with its abuse contact — to the operator, to cirt and to isp, never
to a peer (peer) that may not read isp's records. Malformed files store nothing and name the line.
The value is never written to the audit log, only its hash.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import requests

from conftest import CybexServer, cli, cli_ok, stop_cleanly

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

IP2ASN = (
    "198.51.100.0\t198.51.100.255\t64500\tFR\tISP-ONE Backbone\n"
    "203.0.113.0\t203.0.113.255\t0\tNone\tNot routed\n"
    "2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64501\tDE\tV6 NET\n"
)
DELEGATED = (
    "2|ripencc|20261201|3|19830705|20261201|+0100\n"
    "ripencc|*|ipv4|*|1|summary\n"
    "ripencc|FR|ipv4|198.51.100.0|256|20100101|allocated|org-isp-1\n"
    "ripencc|FR|asn|64500|8|20100101|assigned|org-isp-1\n"
    "ripencc||ipv4|192.0.2.0|256||available\n"
)
CONSTITUENCY = "type,value,note\nnetwork,198.51.100.7/24,customers\nasn,AS64500,\ndomain,ISP.example.,\n"


def node(tmp_path: Path) -> tuple[Path, str]:
    data = tmp_path / "node"
    cli_ok(["org", "add", "cirt"], data)
    cli_ok(["org", "add", "isp", "--parent", "cirt"], data)
    cli_ok(["org", "add", "peer"], data)
    cli_ok(["org", "set", "isp", "--country", "FR", "--contact", "abuse,email=abuse@isp.example"], data)
    cli_ok(["user", "add", "carla", "--org", "cirt", "--role", "analyst"], data, stdin="carla-secret-1\n")
    cli_ok(["user", "add", "pete", "--org", "peer", "--role", "reader"], data, stdin="pete-secret-1\n")
    feed = cli_ok(["collection", "add", "Feed", "--read", "cirt", "--read", "peer", "--write", "cirt"], data).strip()
    return data, feed


def stix(type_: str, **properties) -> dict:
    return {"type": type_, "spec_version": "2.1", "id": f"{type_}--{uuid.uuid4()}",
            "created": "2026-03-01T00:00:00.000Z", "modified": "2026-03-01T00:00:00.000Z",
            "object_marking_refs": [GREEN], **properties}


def test_trace_names_network_as_country_and_constituent(tmp_path: Path):
    data, feed = node(tmp_path)
    (tmp_path / "isp.csv").write_text(CONSTITUENCY)
    assert cli_ok(["constituency", "import", str(tmp_path / "isp.csv"), "--org", "isp"], data).strip() \
        == "3 added, 0 removed, 3 entries"
    listed = json.loads(cli_ok(["constituency", "list", "--org", "isp", "--json"], data))
    assert [(e["type"], e["value"]) for e in listed["entries"]] == [
        ("network", "198.51.100.0/24"), ("asn", "64500"), ("domain", "isp.example")]
    (tmp_path / "ip2asn.tsv").write_text(IP2ASN)
    (tmp_path / "delegated-ripencc-extended-latest").write_text(DELEGATED)
    cli_ok(["enrichment", "load", "--format", "ip2asn", str(tmp_path / "ip2asn.tsv")], data)
    cli_ok(["enrichment", "load", "--format", "rir-delegated", "--source", "ripe",
            str(tmp_path / "delegated-ripencc-extended-latest")], data)
    sources = json.loads(cli_ok(["enrichment", "list", "--json"], data))
    assert [(s["name"], s["ranges"], s["asns"]) for s in sources] == [("ip2asn", 3, 0), ("ripe", 1, 1)]

    indicator = stix("indicator", name="C2", pattern="[ipv4-addr:value = '198.51.100.23']", pattern_type="stix",
                     valid_from="2026-03-01T00:00:00Z")
    report = stix("report", name="Botnet", published="2026-03-01T00:00:00Z", object_refs=[indicator["id"]])
    (tmp_path / "b.json").write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                                                  "objects": [indicator, report]}))
    cli_ok(["import", str(tmp_path / "b.json"), "--collection", feed, "--owner", "cirt"], data)

    traced = json.loads(cli_ok(["trace", "198.51.100.23", "--json"], data))
    assert [hit["id"] for hit in traced["hits"]] == [indicator["id"]]
    assert [ref["id"] for ref in traced["referenced_by"]] == [report["id"]]
    assert traced["network"] == [
        {"source": "ip2asn", "range": "198.51.100.0/24", "asn": 64500, "country": "FR", "owner": "ISP-ONE Backbone"},
        {"source": "ripe", "range": "198.51.100.0/24", "country": "FR", "registry": "ripencc", "holder": "org-isp-1"},
    ]
    assert [a["range"] for a in traced["autonomous_systems"]] == ["64500-64507"]
    [constituent] = traced["constituents"]
    assert constituent["organisation"]["name"] == "isp"
    assert constituent["contact"] == {"kind": "abuse", "email": "abuse@isp.example"}
    assert [m["type"] for m in constituent["matched"]] == ["network", "asn"]
    assert traced["first_seen"] and traced["last_seen"]

    # The text form: one line per part.
    lines = cli_ok(["trace", "www.isp.example"], data).splitlines()
    assert any(line.startswith("constituent\tisp\tdomain:isp.example\tabuse@isp.example") for line in lines), lines
    unrouted = json.loads(cli_ok(["trace", "203.0.113.9", "--json"], data))
    assert unrouted["network"] == [{"source": "ip2asn", "range": "203.0.113.0/24", "asn": 0, "routed": False}]

    # --for: what the organisation may see; the constituent for its coordinator, not for a peer.
    assert [c["organisation"]["name"] for c in json.loads(cli_ok(["trace", "198.51.100.23", "--for", "cirt", "--json"], data))["constituents"]] == ["isp"]
    for_peer = json.loads(cli_ok(["trace", "198.51.100.23", "--for", "peer", "--json"], data))
    assert for_peer["constituents"] == [] and [h["id"] for h in for_peer["hits"]] == [indicator["id"]]

    audit = cli_ok(["audit", "list", "--action", "objects.trace"], data)
    assert "198.51.100.23" not in audit and "sha256:" in audit
    assert "organisation.add-constituency" in cli_ok(["audit", "list", "--action", "organisation.*"], data)
    assert "enrichment.load" in cli_ok(["audit", "list", "--action", "enrichment.load"], data)

    server = CybexServer(data, expect_password=False).start()
    try:
        for user, password, named in (("carla", "carla-secret-1", ["isp"]), ("pete", "pete-secret-1", [])):
            answer = requests.post(server.url("/api/v1/traces"), json={"value": "198.51.100.23"},
                                   auth=(user, password), timeout=30)
            assert answer.status_code == 200, answer.text
            assert [c["organisation"]["name"] for c in answer.json()["constituents"]] == named
            assert [h["id"] for h in answer.json()["hits"]] == [indicator["id"]]
        isp_id = listed["organisation"]
        hidden = requests.get(server.url(f"/api/v1/organisations/{isp_id}/constituency"), auth=("pete", "pete-secret-1"),
                              timeout=30)
        assert hidden.status_code == 404
        seen = requests.get(server.url(f"/api/v1/organisations/{isp_id}/constituency"),
                            auth=("carla", "carla-secret-1"), timeout=30)
        assert seen.status_code == 200 and len(seen.json()["entries"]) == 3
    finally:
        stop_cleanly(server)


def test_malformed_files_store_nothing_and_name_the_line(tmp_path: Path):
    data, _ = node(tmp_path)
    (tmp_path / "good.csv").write_text("value\n198.51.100.0/24\n")
    cli_ok(["constituency", "import", str(tmp_path / "good.csv"), "--org", "isp"], data)
    (tmp_path / "bad.csv").write_text("type,value\nnetwork,10.0.0.0/8\nnetwork,not-a-network\n")
    bad = cli(["constituency", "import", str(tmp_path / "bad.csv"), "--org", "isp", "--replace"], data)
    assert bad.returncode != 0 and "line 3" in bad.stderr, bad.stderr
    assert cli_ok(["constituency", "list", "--org", "isp"], data).splitlines() == ["network\t198.51.100.0/24\t"]
    unknown = cli(["constituency", "import", str(tmp_path / "good.csv"), "--org", "nobody"], data)
    assert unknown.returncode != 0 and "nobody" in unknown.stderr

    (tmp_path / "good.tsv").write_text(IP2ASN)
    cli_ok(["enrichment", "load", "--format", "ip2asn", str(tmp_path / "good.tsv")], data)
    (tmp_path / "bad.tsv").write_text(IP2ASN + "10.0.0.9\t10.0.0.1\t1\tFR\tbackwards\n")
    broken = cli(["enrichment", "load", "--format", "ip2asn", str(tmp_path / "bad.tsv")], data)
    assert broken.returncode != 0 and "bad.tsv" in broken.stderr and "line 4" in broken.stderr, broken.stderr
    assert json.loads(cli_ok(["enrichment", "list", "--json"], data))[0]["ranges"] == 3
    (tmp_path / "bad.rir").write_text("ripencc|FR|ipv4|198.51.100.0|256|20100101|borrowed\n")
    rir = cli(["enrichment", "load", "--format", "rir-delegated", str(tmp_path / "bad.rir")], data)
    assert rir.returncode != 0 and "line 1" in rir.stderr
    assert cli(["enrichment", "load", "--format", "geoip", str(tmp_path / "good.tsv")], data).returncode != 0
    cli_ok(["enrichment", "remove", "ip2asn"], data)
    assert json.loads(cli_ok(["enrichment", "list", "--json"], data)) == []
