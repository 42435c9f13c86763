"""CSAF 2.0 ingest against the OASIS TC's test files, as the Python `csaf` package ships them (PyPI, installed
by the test script; the files are read from the installed package, not copied into the repository).

- `cybex csaf validate` accepts and rejects every file of the mandatory tests (6.1.x) exactly as its name says
  (-01..-09 fail, -11..-19 pass) and agrees with the package's own validator (`csaf validate --spec-version v20`,
  schema and mandatory tests) on every other test file;
- the reference catalogues 6.1.11 and 6.1.12 compare against are loaded with `cybex reference load`, from the
  package's CWE catalogue and IANA registry written out in MITRE's and IANA's file formats;
- `cybex import --format csaf` stores a valid advisory (report, vulnerabilities, VEX note) and refuses an invalid
  one whole.
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import csaf as csaf_package

PACKAGE = pathlib.Path(csaf_package.__file__).parent
DATA = PACKAGE / "csaf" / "v20" / "data"
NAME = re.compile(r"oasis_csaf_tc-csaf_2_0-2021-(6-\d-\d\d(?:-\d\d)?)-(\d\d)\.json$")


def cybex(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([os.environ["CYBEX_BIN"], *args], capture_output=True, text=True, check=check)


def write_cwe_csv(path: pathlib.Path) -> None:
    catalogue = json.loads((PACKAGE / "csaf" / "v21" / "cwe" / "catalog.json").read_text())
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["CWE-ID", "Name", "Weakness Abstraction"])
        for number, weakness in catalogue["weaknesses"].items():
            writer.writerow([number, weakness["history"][-1][1], ""])


def write_language_registry(path: pathlib.Path) -> None:
    registry = json.loads((PACKAGE / "bcp47" / "registry.json").read_text())
    records = ["File-Date: " + registry["source"]["file_date"]]
    for kind in ("language", "extlang", "script", "region", "variant"):
        for subtag, info in registry[kind].items():
            records.append(f"Type: {kind}\nSubtag: {subtag}\nDescription: {info.get('description', '')}")
    for kind, ranges in registry["ranges"].items():
        for first, last in ranges:
            records.append(f"Type: {kind}\nSubtag: {first}..{last}\nDescription: Private use")
    for kind in ("grandfathered", "redundant"):
        for tag, info in registry[kind].items():
            records.append(f"Type: {kind}\nTag: {tag}\nDescription: {info.get('description', '')}")
    path.write_text("\n%%\n".join(records) + "\n")


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> pathlib.Path:
    data = tmp_path_factory.mktemp("csaf")
    cwe = data / "cwe.csv"
    write_cwe_csv(cwe)
    registry = data / "language-subtag-registry"
    write_language_registry(registry)
    assert "cwe:" in cybex("reference", "load", "--data", str(data / "d"), "cwe", str(cwe)).stdout
    cybex("reference", "load", "--data", str(data / "d"), "language-subtags", str(registry))
    listed = cybex("reference", "list", "--data", str(data / "d")).stdout
    assert re.search(r"^cwe\t\d{3,}$", listed, re.M) and re.search(r"^language-subtags\t\d{4,}$", listed, re.M)
    return data / "d"


def verdicts(output: str) -> dict[str, str]:
    return {line.split("\t")[0]: line.split("\t")[1] for line in output.splitlines() if re.search(r"\t(valid|invalid)$", line)}


def test_test_files_are_accepted_and_rejected_as_named_and_as_the_package_decides(node):
    files = sorted(str(path) for path in DATA.rglob("oasis_csaf_tc-*.json"))
    assert len(files) >= 200
    ours = verdicts(cybex("csaf", "validate", "--data", str(node), *files, check=False).stdout)
    assert len(ours) == len(files)
    oracle_run = subprocess.run(
        [shutil.which("csaf", path=os.path.dirname(sys.executable)) or "csaf", "validate", "--spec-version", "v20",
         "--no-network", *files], capture_output=True, text=True)
    oracle = {}
    current = None
    for line in oracle_run.stdout.splitlines():
        if line.startswith("File: "):
            current = line[len("File: "):].strip()
        elif line.startswith("Overall: ") and current:
            oracle[current] = "valid" if line.strip().endswith("PASS") else "invalid"
    assert len(oracle) == len(files)
    mandatory = 0
    for path in files:
        match = NAME.search(path)
        assert match, path
        if "/mandatory/" in path:
            mandatory += 1
            named = "invalid" if int(match.group(2)) < 10 else "valid"
            assert ours[path] == named, f"{path}: {ours[path]}, named {named}"
        assert ours[path] == oracle[path], f"{path}: cybex {ours[path]}, csaf package {oracle[path]}"
    assert mandatory >= 140


def test_import_stores_a_valid_advisory_and_refuses_an_invalid_one(node):
    collection = cybex("collection", "add", "--data", str(node), "advisories").stdout.strip().splitlines()[-1]
    valid = DATA / "mandatory" / "oasis_csaf_tc-csaf_2_0-2021-6-1-27-07-11.json"
    if not valid.exists():
        valid = next(p for p in sorted((DATA / "mandatory").glob("*-1[1-9].json")))
    imported = cybex("import", "--data", str(node), "--collection", collection, "--format", "csaf", str(valid))
    assert "rejected" in imported.stdout and " 0 rejected" in imported.stdout
    count = cybex("search", "--data", str(node), "--collection", collection, "--json", check=False).stdout
    assert '"report"' in count or "report--" in count
    invalid = DATA / "mandatory" / "oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json"
    refused = cybex("import", "--data", str(node), "--collection", collection, "--format", "csaf", str(invalid), check=False)
    assert refused.returncode != 0
    assert "6.1.1" in refused.stderr + refused.stdout
