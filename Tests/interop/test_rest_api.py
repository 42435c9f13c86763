"""The REST API over real HTTP, from an independent client.

The OpenAPI document at /api/openapi.json is valid OpenAPI 3.1 (openapi-spec-validator) and lists
every operation the tests use. A round trip creates organisations, users, a collection and a token
through the API, posts objects with `recipients`, and checks that a reader of another organisation
neither receives the TLP:RED object nor learns it exists, while the recipient does; what the API
serves passes stix2-validator.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import requests
from openapi_spec_validator import validate

from conftest import CybexServer, assert_valid_stix, stop_cleanly

RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


def indicator(name: str, marking: str) -> dict:
    return {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-03-01T00:00:00.000Z", "modified": "2026-03-01T00:00:00.000Z", "name": name,
        "pattern": "[domain-name:value = 'c2.example.org']", "pattern_type": "stix",
        "valid_from": "2026-03-01T00:00:00Z", "object_marking_refs": [marking],
    }


class API:
    def __init__(self, srv: CybexServer, user: str, password: str) -> None:
        self.srv, self.auth = srv, (user, password)

    def call(self, method: str, path: str, body: dict | None = None, expect: int | None = 200,
             token: str | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        kwargs: dict = {"headers": headers, "timeout": 60}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        else:
            kwargs["auth"] = self.auth
        if body is not None:
            kwargs["json"] = body
        r = requests.request(method, self.srv.url("/api/v1" + path), **kwargs)
        if expect is not None:
            assert r.status_code == expect, (method, path, r.status_code, r.text)
        return r


def test_openapi_document_is_valid_and_open(tmp_path: Path):
    srv = CybexServer(tmp_path / "node").start()
    try:
        r = requests.get(srv.url("/api/openapi.json"), timeout=30)  # no credentials needed
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
        spec = r.json()
        validate(spec)  # raises on an invalid OpenAPI 3.1 document
        assert spec["openapi"] == "3.1.0"
        operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
        for expected in [("GET", "/organisations"), ("PATCH", "/organisations/{id}"), ("POST", "/users/{id}/disable"),
                         ("DELETE", "/tokens/{id}"), ("PUT", "/sharing-groups/{id}/members/{organisation}"),
                         ("POST", "/collections/{id}/objects"), ("GET", "/collections/{id}/count"),
                         ("GET", "/audit/verify")]:
            assert expected in operations, expected
        assert set(spec["components"]["securitySchemes"]) == {"basic", "bearer"}
        # the API itself is not open
        r = requests.get(srv.url("/api/v1/organisations"), timeout=30)
        assert r.status_code == 401 and set(r.json()) == {"error"}
    finally:
        stop_cleanly(srv)


def test_rest_round_trip_with_recipients(tmp_path: Path):
    srv = CybexServer(tmp_path / "node").start()
    try:
        admin = API(srv, "admin", srv.password)
        cert = admin.call("POST", "/organisations", {"name": "cert", "default_tlp": "amber"}, expect=201).json()
        admin.call("POST", "/organisations", {"name": "isp", "parent": "cert"}, expect=201)
        admin.call("POST", "/organisations", {"name": "other"}, expect=201)
        for user, org, role in (("ana", "cert", "analyst"), ("isabel", "isp", "reader"), ("olga", "other", "reader")):
            created = admin.call("POST", "/users", {"username": user, "organisation": org, "role": role,
                                                    "password": f"{user}-password-1"}, expect=201).json()
            assert "password" not in created and not any("$2" in str(v) for v in created.values())
        col = admin.call("POST", "/collections", {"title": "Incidents", "read": ["cert", "isp", "other"],
                                                  "write": ["cert"]}, expect=201).json()
        cid = col["id"]
        assert col["read"] == ["cert", "isp", "other"]

        ana = API(srv, "ana", "ana-password-1")
        token = ana.call("POST", "/tokens", {}, expect=201).json()["secret"]
        red = indicator("red for isp", RED)
        amber = indicator("amber", AMBER)
        report = ana.call("POST", f"/collections/{cid}/objects", {"objects": [red, amber], "recipients": ["isp"]},
                          token=token).json()
        assert report["added"] == 3 and report["rejected"] == 0, report
        marking = report["distribution_marking"]
        assert marking.startswith("marking-definition--")

        stored = ana.call("GET", f"/collections/{cid}/objects/{red['id']}").json()
        assert stored["object_marking_refs"] == [RED, marking]
        everything = ana.call("GET", f"/collections/{cid}/objects").json()["objects"]
        assert {o["id"] for o in everything} == {marking, red["id"], amber["id"]}
        assert_valid_stix(everything, "REST objects")

        isabel = API(srv, "isabel", "isabel-password-1")  # the recipient (and a constituent of cert)
        assert isabel.call("GET", f"/collections/{cid}/objects/{red['id']}").json()["id"] == red["id"]
        assert isabel.call("GET", f"/collections/{cid}/count").json()["count"] == 3

        olga = API(srv, "olga", "olga-password-1")  # reads the collection, not addressed
        hidden = olga.call("GET", f"/collections/{cid}/objects/{red['id']}", expect=404)
        never_id = f"indicator--{uuid.uuid4()}"
        never = olga.call("GET", f"/collections/{cid}/objects/{never_id}", expect=404)
        assert hidden.text.replace(red["id"], "ID") == never.text.replace(never_id, "ID")
        assert hidden.json()["error"]["code"] == "not-found"
        seen, after = [], None
        while True:  # paged with the opaque cursor
            page = olga.call("GET", f"/collections/{cid}/objects?limit=1" + (f"&after={after}" if after else "")).json()
            seen += [o["id"] for o in page["objects"]]
            if not page["more"]:
                break
            after = page["next"]
        assert seen == [amber["id"]]
        assert olga.call("GET", f"/collections/{cid}/count").json()["count"] == 1
        # ... and the same over TAXII
        r = requests.get(srv.url(f"/taxii2/cybex/collections/{cid}/objects/{red['id']}/"), auth=olga.auth,
                         headers={"Accept": "application/taxii+json;version=2.1"}, timeout=30)
        assert r.status_code == 404

        # a reader may not write, nor administer; a bad recipient changes nothing
        olga.call("POST", f"/collections/{cid}/objects", {"objects": [indicator("x", AMBER)]}, expect=403)
        olga.call("POST", "/organisations", {"name": "mine"}, expect=403)
        bad = ana.call("POST", f"/collections/{cid}/objects", {"objects": [indicator("y", RED)], "recipients": ["nobody"]},
                       expect=400).json()
        assert bad["error"]["field"] == "recipients[0]"
        assert ana.call("GET", f"/collections/{cid}/count").json()["count"] == 3

        admin.call("PATCH", f"/organisations/{cert['id']}", {"default_tlp": None})
        events = admin.call("GET", "/audit?limit=100").json()["events"]
        actions = {(e["actor"], e["action"]) for e in events}
        assert ("admin", "collection.create") in actions and ("ana", "objects.add") in actions
        assert ("admin", "organisation.set-default-tlp") in actions
        verified = admin.call("GET", "/audit/verify").json()
        assert verified["intact"] is True and verified["failure"] is None
    finally:
        stop_cleanly(srv)
