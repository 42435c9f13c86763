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

    # A damaged archive: a byte of a stored record changed after the zip was written.
    damaged = tmp_path / "damaged.zip"
    body = json.dumps(record(20_001, rng)).encode()
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_STORED) as z:
        z.writestr("cves/2026/20xxx/CVE-2026-20001.json", body)
    raw = bytearray(damaged.read_bytes())
    at = raw.index(b"CVE_RECORD")
    raw[at] = ord("X")
    damaged.write_bytes(bytes(raw))
    r = cli(["import", "--format", "cve", "--collection", cid, str(damaged)], data)
    assert r.returncode == 1 and "CRC-32 does not match" in r.stderr, r.stderr

    missing = cli(["import", "--format", "cve", "--collection", cid, str(tmp_path / "absent")], data)
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    not_zip = tmp_path / "fake.zip"
    not_zip.write_bytes(b"PK\x03\x04 not really")
    r = cli(["import", "--format", "cve", "--collection", cid, str(not_zip)], data)
    assert r.returncode == 1 and "not a readable zip archive" in r.stderr


def test_vulnerability_search_through_the_sharing_policy(tmp_path: Path) -> None:
    """`cybex search` and GET /api/v1/objects by CVE id, vendor, product, CWE, score and publication date: the
    index answers exactly what the records say, and a reader of another organisation finds only the
    vulnerabilities of the collections it may read, a TLP:RED one of them not at all."""
    import requests

    from conftest import CybexServer, stop_cleanly

    data = tmp_path / "node"
    cli_ok(["org", "add", "cirt"], data)
    cli_ok(["org", "add", "isp"], data)
    cli_ok(["user", "add", "rita", "--org", "isp", "--role", "reader"], data, stdin="rita-secret-1\n")
    public = cli_ok(["collection", "add", "CVE", "--read", "cirt", "--read", "isp", "--write", "cirt"], data).strip()
    internal = cli_ok(["collection", "add", "Internal", "--read", "cirt", "--write", "cirt"], data).strip()
    rng = random.Random(11)
    records = [record(n, rng) for n in range(30_000, 30_200)]
    for path, chosen in ((tmp_path / "public", records[:150]), (tmp_path / "internal", records[150:])):
        path.mkdir()
        for r in chosen:
            (path / f"{r['cveMetadata']['cveId']}.json").write_text(json.dumps(r))
    cli_ok(["import", "--format", "cve", "--collection", public, "--owner", "cirt", str(tmp_path / "public")], data)
    cli_ok(["import", "--format", "cve", "--collection", internal, "--owner", "cirt", str(tmp_path / "internal")], data)
    # A TLP:RED vulnerability in the shared collection, addressed to no one: only its owner sees it.
    red = {"type": "vulnerability", "spec_version": "2.1", "id": "vulnerability--8f0b4a52-5a2b-4e0c-9d55-0c8d4c3b7a11",
             "created": "2026-06-01T00:00:00.000Z", "modified": "2026-06-01T00:00:00.000Z", "name": "CVE-2026-39999",
             "external_references": [{"source_name": "cve", "external_id": "CVE-2026-39999"},
                                     {"source_name": "cwe", "external_id": "CWE-79"}],
             "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}
    (tmp_path / "red.json").write_text(json.dumps({"type": "bundle", "id": "bundle--1f0b4a52-5a2b-4e0c-9d55-0c8d4c3b7a11",
                                                     "objects": [red]}))
    cli_ok(["import", str(tmp_path / "red.json"), "--collection", public, "--owner", "cirt"], data)

    # The score each record is ranked by (its v4.0 score, else its v3.1 base score), scored in one batch.
    ranked = []
    for r in records:
        metrics = {k: m[k]["vectorString"] for m in r["containers"]["cna"]["metrics"] for k in m if k.startswith("cvss")}
        ranked.append(metrics.get("cvssV4_0") or metrics["cvssV3_1"])
    lines = [json.loads(line) for line in cli_ok(["cvss"], None, stdin="\n".join(ranked) + "\n").splitlines()]
    scores = {r["cveMetadata"]["cveId"]: (s.get("score", s["baseScore"])) for r, s in zip(records, lines)}

    def cvss_score(r: dict) -> float | None:
        return scores[r["cveMetadata"]["cveId"]]

    def expected(pool: list[dict], vendor=None, product=None, cwe=None, low=None, high=None, since=None) -> set[str]:
        out = set()
        for r in pool:
            cna = r["containers"]["cna"]
            vendors = {a["vendor"].lower().replace(" ", "_") for a in cna["affected"]}
            products = {a["product"].lower().replace(" ", "_") for a in cna["affected"]}
            cwes = {d["cweId"] for p in cna["problemTypes"] for d in p["descriptions"]}
            score = cvss_score(r)
            if vendor and vendor not in vendors or product and product not in products or cwe and cwe not in cwes:
                continue
            if low is not None and (score is None or score < low) or high is not None and (score is None or score > high):
                continue
            if since and r["cveMetadata"]["datePublished"] < since:
                continue
            out.add(r["cveMetadata"]["cveId"])
        return out

    def search(args: list[str], org: str | None = None) -> set[str]:
        extra = ["--for", org] if org else []
        lines = cli_ok(["search", *args, "--json", "--limit", "1000", *extra], data).splitlines()
        return {json.loads(line)["object"]["name"] for line in lines}

    queries = [
        ({"product": "widget_server"}, ["--product", "Widget Server"]),
        ({"vendor": "vandelay_imports", "cwe": "CWE-416"}, ["--vendor", "VANDELAY imports", "--cwe", "416"]),
        ({"low": 7.0}, ["--min-score", "7"]),
        ({"low": 4.0, "high": 6.9}, ["--min-score", "4", "--max-score", "6.9"]),
        ({"since": "2026-07-01T00:00:00.000Z", "cwe": "CWE-22"}, ["--published-since", "2026-07-01", "--cwe", "CWE-22"]),
    ]
    for conditions, args in queries:
        want = expected(records, **conditions)
        assert want, conditions  # every query finds something
        assert search(args) == want, conditions
        assert search(args, "isp") == expected(records[:150], **conditions), conditions
    assert search(["--cve", records[0]["cveMetadata"]["cveId"], "--cve", records[160]["cveMetadata"]["cveId"]], "isp") == {
        records[0]["cveMetadata"]["cveId"]}
    assert search(["--cwe", "CWE-79"]) >= {"CVE-2026-39999"}
    assert "CVE-2026-39999" not in search(["--cwe", "CWE-79"], "isp")
    r = cli(["search", "--min-score", "eleven"], data)
    assert r.returncode == 2 and "--min-score" in r.stderr

    srv = CybexServer(data, expect_password=False).start()
    try:
        def get(params: dict) -> requests.Response:
            return requests.get(srv.url("/api/v1/objects"), params={**params, "limit": "1000"},
                                auth=("rita", "rita-secret-1"), timeout=30)

        first = records[0]["containers"]["cna"]
        vendor, cwe = first["affected"][0]["vendor"], first["problemTypes"][0]["descriptions"][0]["cweId"]
        r = get({"vendor": vendor.upper(), "cwe": cwe})
        assert r.status_code == 200, r.text
        names = {x["object"]["name"] for x in r.json()["results"]}
        assert names and names == expected(records[:150], vendor=vendor.lower().replace(" ", "_"), cwe=cwe)
        assert {x["collection"] for x in r.json()["results"]} == {public}
        assert get({"cve": "CVE-2026-39999"}).json()["results"] == []
        assert {x["object"]["name"] for x in get({"min_score": "9", "published_before": "2026-06-01"}).json()["results"]} == {
            c for c in expected(records[:150], low=9.0) if next(
                r for r in records if r["cveMetadata"]["cveId"] == c)["cveMetadata"]["datePublished"] < "2026-06-01"}
        for params, name in (({"cve": "CVE-1"}, "cve"), ({"cwe": "XSS"}, "cwe"), ({"min_score": "10.5"}, "min_score"),
                             ({"max_score": "7.25"}, "max_score"), ({"published_since": "June"}, "published_since"),
                             ({"product": " "}, "product")):
            r = get(params)
            assert r.status_code == 400 and name in r.text, (params, r.status_code, r.text)
    finally:
        stop_cleanly(srv)
