"""CVE JSON 5 records written for Cybex's tests and benchmarks: made-up vendors, products and CVE ids
(CVE-2026-1xxxx and up), shaped like the records CNAs publish (descriptions, affected products with CPEs
and version ranges, problem types, impacts, CVSS v3.1 and v4.0 metrics, references, a CISA-style ADP
container on some). `python3 cve_records.py COUNT OUT.zip` writes a zip in the cvelistV5 layout
(cves/YEAR/NNxxx/CVE-….json), deflated, for the import benchmark; with a third argument N the products come
from a catalogue of N (ten per vendor) instead of the ten names below, and `python3 cve_records.py inventory
COUNT N OUT.csv` writes an inventory over twice that catalogue, for the exposure benchmark.
"""

from __future__ import annotations

import json
import random
import sys
import zipfile

VENDORS = ["Example Widgets", "Acme Networks", "Northwind Systems", "Contoso Software", "Fabrikam Devices",
           "Globex Industrial", "Initech Labs", "Umbrella Security", "Hooli Cloud", "Vandelay Imports"]
PRODUCTS = ["Widget Server", "Edge Router", "Mail Gateway", "Identity Portal", "PLC Firmware", "VPN Concentrator",
            "Content Manager", "Backup Agent", "Print Server", "IoT Hub"]
CWES = [("CWE-79", "Cross-site Scripting"), ("CWE-89", "SQL Injection"), ("CWE-22", "Path Traversal"),
        ("CWE-787", "Out-of-bounds Write"), ("CWE-416", "Use After Free"), ("CWE-20", "Improper Input Validation"),
        ("CWE-78", "OS Command Injection"), ("CWE-352", "Cross-Site Request Forgery"), ("CWE-287", "Improper Authentication")]
CAPECS = ["CAPEC-63", "CAPEC-66", "CAPEC-126", "CAPEC-88", "CAPEC-62", "CAPEC-115"]
CNA = "0b8f1d3e-2c4a-4e5b-9a7d-1f2e3c4d5b6a"
ADP = "8254265b-2729-46b6-b9e3-3dfca2d5bfca"


def slug(text: str) -> str:
    return text.lower().replace(" ", "_")


def v31(rng: random.Random) -> str:
    return "CVSS:3.1/AV:%s/AC:%s/PR:%s/UI:%s/S:%s/C:%s/I:%s/A:%s" % tuple(
        rng.choice(v) for v in ["NALP", "LH", "NLH", "NR", "UC", "HLN", "HLN", "HLN"])


def v40(rng: random.Random) -> str:
    return "CVSS:4.0/AV:%s/AC:%s/AT:%s/PR:%s/UI:%s/VC:%s/VI:%s/VA:%s/SC:%s/SI:%s/SA:%s" % tuple(
        rng.choice(v) for v in ["NALP", "LH", "NP", "NLH", "NPA", "HLN", "HLN", "HLN", "HLN", "HLN", "HLN"])


def catalogue_product(index: int) -> tuple[str, str]:
    """Product `index` of a made-up catalogue: ten products per vendor."""
    return f"Vendor {index // 10:05d}", f"Product {index:06d}"


def record(number: int, rng: random.Random, year: int = 2026, updated_day: int | None = None,
           catalogue: int = 0) -> dict:
    cve = f"CVE-{year}-{number}"
    if catalogue:
        vendor, product = catalogue_product(rng.randrange(catalogue))
    else:
        vendor = rng.choice(VENDORS)
        product = rng.choice(PRODUCTS)
    major = rng.randint(1, 9)
    fixed = f"{major}.{rng.randint(0, 9)}.{rng.randint(1, 20)}"
    cwe, cwe_name = rng.choice(CWES)
    day = rng.randint(1, 28)
    month = rng.randint(1, 12)
    affected = [{
        "vendor": vendor, "product": product,
        "cpes": [f"cpe:2.3:a:{slug(vendor)}:{slug(product)}:*:*:*:*:*:*:*:*"],
        "defaultStatus": "unaffected",
        "versions": [{"version": f"{major}.0.0", "lessThan": fixed, "status": "affected", "versionType": "semver"}],
    }]
    if rng.random() < 0.3:
        affected.append({"vendor": vendor, "product": product + " Appliance", "defaultStatus": "unknown",
                         "versions": [{"version": f"{major}.{rng.randint(0, 5)}", "status": "affected"}]})
    metrics = [{"format": "CVSS", "scenarios": [{"lang": "en", "value": "GENERAL"}],
                "cvssV3_1": {"version": "3.1", "vectorString": v31(rng), "baseScore": 0.0, "baseSeverity": "NONE"}}]
    if rng.random() < 0.4:
        metrics.append({"format": "CVSS", "cvssV4_0": {"version": "4.0", "vectorString": v40(rng), "baseScore": 0.0,
                                                       "baseSeverity": "NONE"}})
    cna = {
        "providerMetadata": {"orgId": CNA, "shortName": "examplecna", "dateUpdated": f"{year}-{month:02d}-{day:02d}T10:00:00.000Z"},
        "title": f"{cwe_name} in {vendor} {product}",
        "descriptions": [{"lang": "en", "value": f"A {cwe_name.lower()} weakness in {vendor} {product} before {fixed} "
                                                 f"allows a remote attacker to compromise the device. This issue affects "
                                                 f"{product}: from {major}.0.0 before {fixed}.",
                          "supportingMedia": [{"type": "text/html", "base64": False,
                                               "value": f"<p>A {cwe_name.lower()} weakness in {product}.</p>"}]}],
        "affected": affected,
        "problemTypes": [{"descriptions": [{"lang": "en", "description": f"{cwe} {cwe_name}", "cweId": cwe, "type": "CWE"}]}],
        "impacts": [{"capecId": rng.choice(CAPECS), "descriptions": [{"lang": "en", "value": "attack pattern"}]}],
        "metrics": metrics,
        "references": [{"url": f"https://{slug(vendor)}.example/advisories/{cve}", "name": f"{slug(vendor)}-{number}",
                        "tags": ["vendor-advisory"]},
                       {"url": f"https://{slug(vendor)}.example/releases/{fixed}", "tags": ["patch"]}],
        "source": {"discovery": "EXTERNAL"},
    }
    updated = f"{year}-{month:02d}-{(updated_day or day):02d}T10:00:00.000Z"
    containers: dict = {"cna": cna}
    if rng.random() < 0.5:
        containers["adp"] = [{"providerMetadata": {"orgId": ADP, "shortName": "CISA-ADP", "dateUpdated": updated},
                              "title": "CISA ADP Vulnrichment",
                              "metrics": [{"other": {"type": "ssvc", "content": {"id": cve, "role": "CISA Coordinator",
                                                                                  "version": "2.0.3",
                                                                                  "options": [{"Exploitation": "none"},
                                                                                              {"Automatable": "no"},
                                                                                              {"Technical Impact": "partial"}]}}}]}]
    return {
        "dataType": "CVE_RECORD", "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve, "assignerOrgId": CNA, "assignerShortName": "examplecna", "state": "PUBLISHED",
                        "dateReserved": f"{year}-01-02T00:00:00.000Z",
                        "datePublished": f"{year}-{month:02d}-{day:02d}T09:00:00.000Z",
                        "dateUpdated": updated},
        "containers": containers,
    }


def layout_name(cve: str) -> str:
    _, year, number = cve.split("-")
    return f"cves/{year}/{number[:-3]}xxx/{cve}.json"


def write_zip(path: str, count: int, seed: int = 17, first: int = 10_000, catalogue: int = 0) -> None:
    rng = random.Random(seed)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for number in range(first, first + count):
            body = record(number, rng, catalogue=catalogue)
            archive.writestr(layout_name(body["cveMetadata"]["cveId"]), json.dumps(body, indent=2))
        archive.writestr("cves/delta.json", json.dumps({"fetchTime": "2026-12-01T00:00:00.000Z", "numberOfChanges": 0}))


def write_inventory(path: str, count: int, catalogue: int, seed: int = 5) -> None:
    """An inventory CSV of `count` distinct products spread over twice the catalogue (so about half of them
    are products the records name), each with a version of the records' form."""
    rng = random.Random(seed)
    with open(path, "w") as out:
        out.write("vendor,product,version\n")
        for item in range(count):
            vendor, product = catalogue_product(item * 2 * catalogue // count)
            out.write(f"{vendor},{product},{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}\n")


if __name__ == "__main__":
    # cve_records.py COUNT OUT.zip [CATALOGUE] | cve_records.py inventory COUNT CATALOGUE OUT.csv
    if sys.argv[1] == "inventory":
        write_inventory(sys.argv[4], int(sys.argv[2]), int(sys.argv[3]))
    else:
        write_zip(sys.argv[2], int(sys.argv[1]), catalogue=int(sys.argv[3]) if len(sys.argv) > 3 else 0)
