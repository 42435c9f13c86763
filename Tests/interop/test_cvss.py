"""Oracle agreement: `cybex cvss` and the Python `cvss` package (PyPI, RedHat) on random vectors.

A seeded generator writes VECTORS valid vectors per version, every metric of every group drawn at random
and each optional group present about half the time, some with the metrics shuffled out of the
specification's order. cybex scores all of them in one process (the vectors on standard input); the
package scores each in-process. Base, temporal and environmental scores and severities (v3) and the
score of the whole vector and of its base metrics (v4) must be identical, vector by vector.
Invalid vectors get an error line naming the metric at fault, and the command exits 1.
"""

from __future__ import annotations

import json
import random
import subprocess

import pytest
from cvss import CVSS3, CVSS4

from conftest import require_binary

VECTORS = 10_000
SEED = 20261205

V3_BASE = [("AV", "NALP"), ("AC", "LH"), ("PR", "NLH"), ("UI", "NR"), ("S", "UC"), ("C", "HLN"), ("I", "HLN"),
           ("A", "HLN")]
V3_TEMPORAL = [("E", "XUPFH"), ("RL", "XOTWU"), ("RC", "XURC")]
V3_ENVIRONMENTAL = [("CR", "XLMH"), ("IR", "XLMH"), ("AR", "XLMH"), ("MAV", "XNALP"), ("MAC", "XLH"),
                    ("MPR", "XNLH"), ("MUI", "XNR"), ("MS", "XUC"), ("MC", "XNLH"), ("MI", "XNLH"),
                    ("MA", "XNLH")]

V4_BASE = [("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"), ("UI", "NPA"), ("VC", "HLN"),
           ("VI", "HLN"), ("VA", "HLN"), ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN")]
V4_THREAT = [("E", "XAPU")]
V4_ENVIRONMENTAL = [("CR", "XHML"), ("IR", "XHML"), ("AR", "XHML"), ("MAV", "XNALP"), ("MAC", "XLH"),
                    ("MAT", "XNP"), ("MPR", "XNLH"), ("MUI", "XNPA"), ("MVC", "XHLN"), ("MVI", "XHLN"),
                    ("MVA", "XHLN"), ("MSC", "XHLN"), ("MSI", "XSHLN"), ("MSA", "XSHLN")]
V4_SUPPLEMENTAL = [("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]),
                   ("V", ["X", "D", "C"]), ("RE", ["X", "L", "M", "H"]),
                   ("U", ["X", "Clear", "Green", "Amber", "Red"])]


def draw(rng: random.Random, groups: list[tuple[list, bool]]) -> list[str]:
    fields = []
    for metrics, mandatory in groups:
        if mandatory or rng.random() < 0.5:
            for name, values in metrics:
                if mandatory or rng.random() < 0.7:
                    fields.append(f"{name}:{rng.choice(list(values))}")
    if rng.random() < 0.1:
        rng.shuffle(fields)
    return fields


def v3_vectors(rng: random.Random, version: str, count: int) -> list[str]:
    return ["CVSS:%s/" % version + "/".join(draw(rng, [(V3_BASE, True), (V3_TEMPORAL, False),
                                                      (V3_ENVIRONMENTAL, False)])) for _ in range(count)]


def v4_vectors(rng: random.Random, count: int) -> list[str]:
    return ["CVSS:4.0/" + "/".join(draw(rng, [(V4_BASE, True), (V4_THREAT, False), (V4_ENVIRONMENTAL, False),
                                             (V4_SUPPLEMENTAL, False)])) for _ in range(count)]


def cybex_cvss(vectors: list[str]) -> tuple[int, list[dict]]:
    proc = subprocess.run([require_binary(), "cvss"], input="\n".join(vectors) + "\n", capture_output=True,
                          text=True, timeout=300)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(vectors), proc.stderr
    return proc.returncode, lines


@pytest.mark.parametrize("version", ["3.1", "3.0"])
def test_v3_scores_match_the_cvss_package(version: str) -> None:
    rng = random.Random(SEED + int(version[-1]))
    vectors = v3_vectors(rng, version, VECTORS)
    code, results = cybex_cvss(vectors)
    assert code == 0, [r for r in results if "error" in r][:3]
    mismatches = []
    for vector, ours in zip(vectors, results):
        oracle = CVSS3(vector)
        expected = [float(s) for s in oracle.scores()]
        got = [ours["baseScore"], ours["temporalScore"], ours["environmentalScore"]]
        severities = [s.upper() for s in oracle.severities()]
        got_severities = [ours["baseSeverity"], ours["temporalSeverity"], ours["environmentalSeverity"]]
        if got != expected or got_severities != severities or ours["version"] != version:
            mismatches.append((vector, expected, got, severities, got_severities))
    assert not mismatches, f"{len(mismatches)} of {len(vectors)} differ, first: {mismatches[:5]}"
    # the generator reaches every band and both scopes
    assert {r["environmentalSeverity"] for r in results} == {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}


def test_v4_scores_match_the_cvss_package() -> None:
    rng = random.Random(SEED + 4)
    vectors = v4_vectors(rng, VECTORS)
    code, results = cybex_cvss(vectors)
    assert code == 0, [r for r in results if "error" in r][:3]
    mismatches = []
    nomenclatures = set()
    for vector, ours in zip(vectors, results):
        oracle = CVSS4(vector)
        base_only = CVSS4("CVSS:4.0/" + "/".join(f for f in vector.split("/")[1:]
                                                if f.split(":")[0] in dict(V4_BASE)))
        expected = (float(oracle.base_score), oracle.severity.upper(), float(base_only.base_score),
                    base_only.severity.upper(), oracle.macroVector())
        got = (ours["score"], ours["severity"], ours["baseScore"], ours["baseSeverity"], ours["macroVector"])
        if got != expected:
            mismatches.append((vector, expected, got))
        nomenclatures.add(ours["nomenclature"])
    assert not mismatches, f"{len(mismatches)} of {len(vectors)} differ, first: {mismatches[:5]}"
    assert nomenclatures == {"CVSS-B", "CVSS-BT", "CVSS-BE", "CVSS-BTE"}
    assert len({r["macroVector"] for r in results}) > 200


def test_canonical_vector_and_nomenclature() -> None:
    code, [shuffled, threat] = cybex_cvss([
        "CVSS:4.0/VC:H/AV:N/AC:L/AT:N/PR:N/UI:N/VI:H/VA:H/SC:N/SI:N/SA:N/U:Red/E:X",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P",
    ])
    assert code == 0
    assert shuffled["vectorString"] == "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Red"
    assert shuffled["nomenclature"] == "CVSS-B" and shuffled["score"] == 9.3
    assert threat["nomenclature"] == "CVSS-BT" and threat["score"] == CVSS4(
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P").base_score


@pytest.mark.parametrize("vector, code, metric", [
    ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "invalid-value", "AV"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "missing-metric", "A"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Q", "invalid-value", "E"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:N/MAV:L", "duplicate-metric", "MAV"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:N", "unknown-metric", "XX"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "invalid-value", "UI"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S", "invalid-value", "MSC"),
    ("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "missing-metric", "AT"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:X/S:N", "duplicate-metric", "S"),
])
def test_invalid_vectors_name_the_metric(vector: str, code: str, metric: str) -> None:
    exit_code, [line] = cybex_cvss([vector])
    assert exit_code == 1
    assert line["vector"] == vector and line["code"] == code and line["metric"] == metric
    assert metric in line["error"]


@pytest.mark.parametrize("vector, code", [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", "malformed"),
    ("CVSS:3.1/AV:N//AC:L", "malformed"),
    ("CVSS:3.1/AV", "malformed"),
    ("CVSS:2.0/AV:N/AC:L/Au:N/C:C/I:C/A:C", "prefix"),
    ("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "prefix"),
    ("CVSS:3.1/" + "AV:N/" * 200 + "AC:L", "too-long"),
])
def test_malformed_vectors_are_refused(vector: str, code: str) -> None:
    exit_code, [line] = cybex_cvss([vector])
    assert exit_code == 1 and line["code"] == code and "metric" not in line


def test_a_bad_vector_does_not_stop_the_batch() -> None:
    vectors = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/"
               "VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"]
    exit_code, lines = cybex_cvss(vectors)
    assert exit_code == 1
    assert [line.get("baseScore") for line in lines] == [9.8, None, 9.3]


def test_rest_scores_a_batch_and_needs_a_caller(tmp_path) -> None:
    import requests
    from conftest import CybexServer

    srv = CybexServer(tmp_path / "node").start()
    try:
        rng = random.Random(SEED + 7)
        vectors = v3_vectors(rng, "3.1", 500) + v4_vectors(rng, 500) + ["CVSS:4.0/AV:N"]
        url = srv.url("/api/v1/cvss")
        assert requests.post(url, json={"vectors": vectors[:1]}, timeout=30).status_code == 401
        r = requests.post(url, json={"vectors": vectors}, auth=srv.admin_auth(), timeout=60)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["invalid"] == 1 and len(body["results"]) == len(vectors)
        _, cli_lines = cybex_cvss(vectors)
        assert body["results"] == cli_lines  # the same scores, the same refusal, over REST and the CLI
        assert body["results"][-1]["code"] == "missing-metric" and body["results"][-1]["metric"] == "AC"
        for bad in [{}, {"vectors": []}, {"vectors": "CVSS:3.1/AV:N"}, {"vectors": [3]}, {"vectors": ["x"], "y": 1},
                    {"vectors": ["CVSS:3.1/AV:N"] * 10_001}]:
            r = requests.post(url, json=bad, auth=srv.admin_auth(), timeout=30)
            assert r.status_code == 400, (bad if len(str(bad)) < 100 else "10,001 vectors", r.status_code, r.text)
        spec = requests.get(srv.url("/api/openapi.json"), timeout=30).json()
        assert "post" in spec["paths"]["/cvss"]
    finally:
        srv.stop()
