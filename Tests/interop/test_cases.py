"""Incident cases over the REST API from an independent client, every JSON answer checked against
the schema the OpenAPI document gives for it: open, classify, assign, comment (no new version of
the shared incident), link, tasks, the workflow's refusals, close and reopen; statistics as JSON
and CSV; another organisation sees the shareable part only, or nothing; the case's incident is
valid STIX and exports as well-formed IODEF."""
from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import requests

from conftest import CybexServer, assert_valid_stix, stop_cleanly
from test_rest_api import API

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def test_case_workflow_over_rest(tmp_path: Path):
    srv = CybexServer(tmp_path / "node", extra_args=["--node-name", "cert.example.org"]).start()
    try:
        admin = API(srv, "admin", srv.password)
        for org in ("cert", "isp", "outsider"):
            admin.call("POST", "/organisations", {"name": org}, expect=201)
        for user, org, role in (("ana", "cert", "analyst"), ("ivan", "isp", "reader"), ("otto", "outsider", "analyst")):
            admin.call("POST", "/users", {"username": user, "organisation": org, "role": role, "password": f"{user}-password-1"},
                       expect=201)
        cid = admin.call("POST", "/collections", {"title": "Cases", "read": ["cert", "isp"], "write": ["cert"]},
                         expect=201).json()["id"]
        ana, ivan, otto = (API(srv, u, f"{u}-password-1") for u in ("ana", "ivan", "otto"))

        vocabulary = ana.call("GET", "/classifications").json()["classifications"]
        assert {"phishing", "ddos", "botnet", "apt", "vulnerability-exploitation"} <= {c["id"] for c in vocabulary}

        case = ana.call("POST", "/cases", {"collection": cid, "title": "Phishing kit on a hacked shop", "severity": "high",
                                           "tlp": "green", "classification": "phishing"}, expect=201).json()
        cid_case, incident = case["id"], case["incident"]
        assert case["status"] == "new" and case["full"] and case["rsit"] == 'rsit:fraud="phishing"'

        def versions() -> int:
            r = requests.get(srv.url(f"/taxii2/cybex/collections/{cid}/objects/{incident}/versions/"),
                             auth=("ana", "ana-password-1"), headers={"Accept": "application/taxii+json;version=2.1"}, timeout=30)
            assert r.status_code == 200, r.text
            return len(r.json()["versions"])

        assert versions() == 1
        ana.call("PATCH", f"/cases/{cid_case}", {"status": "triaged", "assignee": "ana"})
        assert versions() == 2
        ana.call("POST", f"/cases/{cid_case}/comments", {"text": "Hosting provider contacted"})
        ana.call("POST", f"/cases/{cid_case}/tasks", {"title": "Ask for takedown"})
        done = ana.call("POST", f"/cases/{cid_case}/tasks/1/done").json()
        assert done["tasks"] == [{"id": 1, "title": "Ask for takedown", "done": True}]
        assert versions() == 2, "the working part never makes a new version"

        indicator = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
                     "created": "2026-03-01T00:00:00.000Z", "modified": "2026-03-01T00:00:00.000Z", "name": "kit",
                     "pattern": "[url:value = 'http://shop.example.net/kit/']", "pattern_type": "stix",
                     "valid_from": "2026-03-01T00:00:00Z", "object_marking_refs": [GREEN]}
        ana.call("POST", f"/collections/{cid}/objects", {"objects": [indicator]})
        linked = ana.call("POST", f"/cases/{cid_case}/links", {"objects": [indicator["id"]]}).json()
        assert linked["links"] == [indicator["id"]]
        ana.call("POST", f"/cases/{cid_case}/links", {"objects": [f"indicator--{uuid.uuid4()}"]}, expect=404)

        refused = ana.call("PATCH", f"/cases/{cid_case}", {"status": "reopened"}, expect=409).json()
        assert refused["error"]["code"] == "conflict"
        for status in ("in-progress", "resolved", "closed", "reopened"):
            assert ana.call("PATCH", f"/cases/{cid_case}", {"status": status}).json()["status"] == status
        events = ana.call("GET", f"/cases/{cid_case}/timeline").json()["events"]
        assert [e["kind"] for e in events].count("status") == 5 and any(e["kind"] == "comment" for e in events)

        stats = ana.call("GET", "/cases/statistics").json()
        assert stats["total"] == 1 and stats["by_classification"] == {"phishing": 1} and stats["by_rsit"] == {"rsit:fraud": 1}
        r = requests.get(srv.url("/api/v1/cases/statistics?format=csv"), auth=("ana", "ana-password-1"), timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["dimension", "key", "value"] and ["classification", "phishing", "1"] in rows

        # isp reads the collection: the shareable part only, and no change.
        seen = ivan.call("GET", f"/cases/{cid_case}").json()
        assert seen["full"] is False and "assignee" not in seen and "tasks" not in seen
        ivan.call("GET", f"/cases/{cid_case}/timeline", expect=403)
        ivan.call("PATCH", f"/cases/{cid_case}", {"status": "closed"}, expect=403)
        # outsider may not read the collection: the case does not exist for it.
        otto.call("GET", f"/cases/{cid_case}", expect=404)
        assert otto.call("GET", "/cases").json()["cases"] == []
        assert otto.call("GET", "/cases/statistics").json()["total"] == 0

        # The shared incident is valid STIX, and exports as IODEF with the case's reference.
        stored = ana.call("GET", f"/collections/{cid}/objects/{incident}").json()
        assert_valid_stix([stored], "a case's incident")
        r = requests.get(srv.url(f"/api/v1/collections/{cid}/iodef"), auth=("ivan", "ivan-password-1"), timeout=30)
        assert r.status_code == 200
        root = ET.fromstring(r.content)
        ids = [e.text for e in root.iter("{urn:ietf:params:xml:ns:iodef-2.0}IncidentID")]
        assert case["reference"] in ids
        assert all(e.get("name") == "cert.example.org" for e in root.iter("{urn:ietf:params:xml:ns:iodef-2.0}IncidentID"))
    finally:
        stop_cleanly(srv)
