"""`cybex import --format cve`: CVE JSON 5 records from a file, a folder, a zip in the cvelistV5 layout and
a zip inside a zip become STIX vulnerability objects that the reference validator accepts; importing again
is a duplicate, a moved dateUpdated a new version, a REJECTED record a revoked version; a bad record is
refused alone, named with its file and the JSON path at fault, and changes nothing else.
"""

from __future__ import annotations

import copy
import json
import random
import zipfile
from pathlib import Path

from conftest import assert_valid_stix, cli, cli_ok
from cve_records import layout_name, record

EXTENSION = "extension-definition--43720b6b-f70e-42df-918b-b9a0e52ab356"


def objects(data: Path, cid: str) -> list[dict]:
    return json.loads(cli_ok(["export", "--collection", cid], data))["objects"]


def latest(objs: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for o in objs:
        if o["name"] not in out or o["modified"] > out[o["name"]]["modified"]:
            out[o["name"]] = o
    return out


def test_records_from_files_folders_and_zips(tmp_path: Path) -> None:
    data = tmp_path / "node"
    cid = cli_ok(["collection", "add", "cves"], data).strip()
    rng = random.Random(5)
    records = [record(n, rng) for n in range(10_000, 10_060)]
    folder = tmp_path / "cvelistV5"
    for r in records[:20]:
        path = folder / layout_name(r["cveMetadata"]["cveId"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r))
    (folder / "cves" / "delta.json").write_text("{}")  # not a record: skipped
    single = tmp_path / "one.json"
    single.write_text(json.dumps(records[20]))
    inner = tmp_path / "cves.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        for r in records[21:]:
            z.writestr(layout_name(r["cveMetadata"]["cveId"]), json.dumps(r, indent=2))
    outer = tmp_path / "all_CVEs_at_midnight.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "cves.zip")

    out = cli_ok(["import", "--format", "cve", "--collection", cid, str(folder), str(single), str(outer)], data)
    assert "60 CVE records: 60 added, 0 new versions, 0 duplicates, 0 refused" in out, out
    stored = objects(data, cid)
    assert len(stored) == 60 and {o["type"] for o in stored} == {"vulnerability"}
    assert_valid_stix(stored, "vulnerabilities made from CVE records")

    by_name = latest(stored)
    source = records[0]
    cve = source["cveMetadata"]["cveId"]
    vulnerability = by_name[cve]
    assert vulnerability["description"] == source["containers"]["cna"]["descriptions"][0]["value"]
    assert vulnerability["created"] == source["cveMetadata"]["dateReserved"]
    assert vulnerability["modified"] == source["cveMetadata"]["dateUpdated"]
    refs = vulnerability["external_references"]
    assert refs[0] == {"source_name": "cve", "external_id": cve, "url": f"https://www.cve.org/CVERecord?id={cve}"}
    cwe = source["containers"]["cna"]["problemTypes"][0]["descriptions"][0]["cweId"]
    assert {"source_name": "cwe", "external_id": cwe} in refs
    capec = source["containers"]["cna"]["impacts"][0]["capecId"]
    assert {"source_name": "capec", "external_id": capec} in refs
    assert vulnerability["object_marking_refs"] == ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]
    ext = vulnerability["extensions"][EXTENSION]
    assert ext["state"] == "PUBLISHED" and ext["cwe"] == [cwe] and ext["capec"] == [capec]
    vector = source["containers"]["cna"]["metrics"][0]["cvssV3_1"]["vectorString"]
    scored = json.loads(cli_ok(["cvss", vector], None))
    assert ext["cvss"][0] == {"source": "examplecna", **scored}  # rescored, not the record's placeholder 0.0
    product = ext["affected"][0]
    assert product["vendor"] == source["containers"]["cna"]["affected"][0]["vendor"]
    assert product["versions"][0]["less_than"] == source["containers"]["cna"]["affected"][0]["versions"][0]["lessThan"]

    # Again: duplicates. A moved dateUpdated: a new version of the same object. REJECTED: a revoked version.
    out = cli_ok(["import", "--format", "cve", "--collection", cid, str(folder)], data)
    assert "20 CVE records: 0 added, 0 new versions, 20 duplicates, 0 refused" in out, out
    moved = copy.deepcopy(records[1])
    moved["cveMetadata"]["dateUpdated"] = "2027-01-01T00:00:00.000Z"
    rejected = {"dataType": "CVE_RECORD", "dataVersion": "5.1",
                "cveMetadata": {"cveId": records[2]["cveMetadata"]["cveId"], "assignerOrgId": records[2]["cveMetadata"]["assignerOrgId"],
                                "state": "REJECTED", "dateReserved": "2026-01-02T00:00:00.000Z",
                                "dateRejected": "2027-02-01T00:00:00.000Z"},
                "containers": {"cna": {"providerMetadata": {"orgId": records[2]["cveMetadata"]["assignerOrgId"]},
                                       "rejectedReasons": [{"lang": "en", "value": "Duplicate of another record."}]}}}
    (tmp_path / "moved.json").write_text(json.dumps(moved))
    (tmp_path / "rejected.json").write_text(json.dumps(rejected))
    out = cli_ok(["import", "--format", "cve", "--collection", cid, str(tmp_path / "moved.json"),
                  str(tmp_path / "rejected.json")], data)
    assert "2 CVE records: 0 added, 2 new versions, 0 duplicates, 0 refused" in out, out
    stored = objects(data, cid)
    assert len(stored) == 62
    now = latest(stored)
    assert now[moved["cveMetadata"]["cveId"]]["modified"] == "2027-01-01T00:00:00.000Z"
    gone = now[rejected["cveMetadata"]["cveId"]]
    assert gone["revoked"] is True and gone["description"] == "Duplicate of another record."
    assert len({o["id"] for o in stored}) == 60


def test_bad_records_are_refused_alone_with_the_path_at_fault(tmp_path: Path) -> None:
    data = tmp_path / "node"
    cid = cli_ok(["collection", "add", "cves"], data).strip()
    rng = random.Random(9)
    good = record(20_000, rng)

    def variant(change) -> dict:
        r = copy.deepcopy(good)
        change(r)
        return r

    cases = {
        "not-a-record.json": (b'{"type": "bundle"}', "dataType: must be \"CVE_RECORD\""),
        "broken.json": (b'{"dataType": "CVE_RECORD", ', "not valid JSON"),
        "bad-id.json": (variant(lambda r: r["cveMetadata"].update(cveId="CVE-26-1")), "cveMetadata.cveId"),
        "no-descriptions.json": (variant(lambda r: r["containers"]["cna"].update(descriptions=[])),
                                 "containers.cna.descriptions"),
        "range-without-type.json": (variant(lambda r: r["containers"]["cna"]["affected"][0]["versions"][0].pop("versionType")),
                                    "containers.cna.affected[0].versions[0].versionType"),
        "bad-status.json": (variant(lambda r: r["containers"]["cna"]["affected"][0]["versions"][0].update(status="vulnerable")),
                            "containers.cna.affected[0].versions[0].status"),
        "no-product.json": (variant(lambda r: r["containers"]["cna"]["affected"][0].pop("product")),
                            "containers.cna.affected[0]: needs vendor and product"),
        "bad-date.json": (variant(lambda r: r["cveMetadata"].update(datePublished="yesterday")), "cveMetadata.datePublished"),
        "deep.json": (b"[" * 5000 + b"]" * 5000, "not valid JSON"),
    }
    paths = []
    for name, (body, _) in cases.items():
        path = tmp_path / f"CVE-{name}"
        path.write_bytes(body if isinstance(body, bytes) else json.dumps(body).encode())
        paths.append(str(path))
    (tmp_path / "good.json").write_text(json.dumps(good))
    r = cli(["import", "--format", "cve", "--collection", cid, *paths, str(tmp_path / "good.json")], data)
    assert r.returncode == 1
    assert f"{len(cases) + 1} CVE records: 1 added, 0 new versions, 0 duplicates, {len(cases)} refused" in r.stdout, r.stdout
    for name, (_, reason) in cases.items():
        line = next((l for l in r.stdout.splitlines() if f"CVE-{name}:" in l), "")
        assert line.startswith("  refused ") and reason in line, (name, line, r.stdout)
    stored = objects(data, cid)
    assert [o["name"] for o in stored] == [good["cveMetadata"]["cveId"]]

    missing = cli(["import", "--format", "cve", "--collection", cid, str(tmp_path / "absent")], data)
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    not_zip = tmp_path / "fake.zip"
    not_zip.write_bytes(b"PK\x03\x04 not really")
    r = cli(["import", "--format", "cve", "--collection", cid, str(not_zip)], data)
    assert r.returncode == 1 and "not a readable zip archive" in r.stderr
