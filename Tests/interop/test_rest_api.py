"""The REST API over real HTTP, from an independent client.

The OpenAPI document at /api/openapi.json is valid OpenAPI 3.1 (openapi-spec-validator) and lists
every operation the tests use; every response of the round trip matches the schema the document
gives for it (jsonschema, draft 2020-12, which OpenAPI 3.1 schemas are). A round trip creates organisations, users, a collection and a token
through the API, posts objects with `recipients`, and checks that a reader of another organisation
neither receives the TLP:RED object nor learns it exists, while the recipient does; what the API
serves passes stix2-validator; an audit entry edited in the database is reported by
GET /audit/verify.
"""
from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import requests
from jsonschema import Draft202012Validator
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
    """A REST client that checks every JSON answer against the OpenAPI document's schema for it."""

    def __init__(self, srv: CybexServer, user: str, password: str) -> None:
        self.srv, self.auth = srv, (user, password)
        self.spec = requests.get(srv.url("/api/openapi.json"), timeout=30).json()

    def schema_of(self, method: str, path: str, status: int) -> dict | None:
        """The response schema the document gives for METHOD PATH (concrete ids matched to templates)."""
        parts = path.split("?")[0].strip("/").split("/")
        for template, item in self.spec["paths"].items():
            segments = template.strip("/").split("/")
            if len(segments) == len(parts) and all(t.startswith("{") or t == p for t, p in zip(segments, parts)):
                responses = item.get(method.lower(), {}).get("responses", {})
                response = responses.get(str(status))
                if response is None:
                    return None
                if "$ref" in response:
                    response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                return response.get("content", {}).get("application/json", {}).get("schema")
        return None

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
        schema = self.schema_of(method, path, r.status_code)
        assert schema is not None or r.status_code == 204, f"{method} {path} {r.status_code} is not documented"
        if schema is not None:
            validator = Draft202012Validator({**schema, "components": self.spec["components"]})
            problems = [e.message for e in validator.iter_errors(r.json())]
            assert not problems, (method, path, r.status_code, problems[:3])
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
        for path in ("/organisations", "/users", "/tokens", "/sharing-groups", "/collections", f"/collections/{cid}"):
            admin.call("GET", path)  # each answer checked against its schema
            olga.call("GET", path if path != f"/collections/{cid}" else "/collections")
        admin.call("GET", "/organisations?colour=red", expect=400)
        events = admin.call("GET", "/audit?limit=100").json()["events"]
        actions = {(e["actor"], e["action"]) for e in events}
        assert ("admin", "collection.create") in actions and ("ana", "objects.add") in actions
        assert ("admin", "organisation.set-default-tlp") in actions
        verified = admin.call("GET", "/audit/verify").json()
        assert verified["intact"] is True and verified["failure"] is None
        olga.call("GET", "/audit/verify", expect=403)

        # an audit entry edited in the database is reported by the API
        db = sqlite3.connect(srv.data / "cybex.sqlite", timeout=30)
        try:
            db.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3")
            db.commit()
        finally:
            db.close()
        tampered = admin.call("GET", "/audit/verify").json()
        assert tampered["intact"] is False and tampered["failure"]["seq"] == 3, tampered
        assert "hash mismatch" in tampered["failure"]["reason"]
    finally:
        stop_cleanly(srv)
