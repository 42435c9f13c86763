"""Organisation profiles from outside: `cybex org set` profile flags and `cybex org show`, and
GET/PUT /api/v1/organisations/{id}/profile over real HTTP.

The sector vocabulary is compared with the stix2 library's own list of STIX 2.1's
industry-sector-ov (an independent statement of it); every REST answer is checked against the
OpenAPI document's schema (test_rest_api.API). Who may read and write: administrators everything;
an organisation's own users read it and its analysts write it; users of an organisation above it
(its coordinators) read it; everyone else gets 404 as if it did not exist (SECURITY.md, "Records of
an organisation").
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from stix2.v21 import vocab

from conftest import CybexServer, cli, cli_ok, stop_cleanly
from test_rest_api import API

PASSWORD = "correct horse battery"


def show(data: Path, name: str, database: str | None = None) -> dict:
    return json.loads(cli_ok(["org", "show", name, "--json"], data, database))


def audit_lines(data: Path, database: str | None = None) -> list[list[str]]:
    return [line.split("\t") for line in cli_ok(["audit", "list", "--limit", "1000"], data, database).splitlines()]


def test_cli_profile_flags(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "national-cirt"], data)
    cli_ok(["org", "add", "isp", "--parent", "national-cirt"], data)
    empty = show(data, "isp")
    assert empty["sectors"] == [] and empty["country"] is None and empty["roles"] == [] and empty["contacts"] == []
    assert empty["parent"] == "national-cirt"

    cli_ok(["org", "set", "isp", "--sector", "telecommunications", "--sector", "energy", "--country", "FR",
            "--role", "service-provider", "--role", "cirt",
            "--contact", "abuse,email=abuse@isp.example,phone=+33 1 23 45 67 89",
            "--contact", "security,url=https://isp.example/report?a=1,b=2"], data)
    profile = show(data, "isp")
    assert profile["sectors"] == ["energy", "telecommunications"]  # vocabulary order
    assert profile["country"] == "FR"
    assert profile["roles"] == ["cirt", "service-provider"]
    assert profile["contacts"] == [
        {"kind": "abuse", "email": "abuse@isp.example", "phone": "+33 1 23 45 67 89", "url": None},
        {"kind": "security", "email": None, "phone": None, "url": "https://isp.example/report?a=1,b=2"},
    ]

    # A contact replaces that kind's contact whole; the rest of the profile stays; old flags still work.
    cli_ok(["org", "set", "isp", "--contact", "abuse,email=noc@isp.example", "--no-contact", "security",
            "--default-tlp", "amber"], data)
    profile = show(data, "isp")
    assert profile["contacts"] == [{"kind": "abuse", "email": "noc@isp.example", "phone": None, "url": None}]
    assert profile["sectors"] == ["energy", "telecommunications"] and profile["default_tlp"] == "amber"
    cli_ok(["org", "set", "isp", "--no-country", "--no-roles"], data)
    assert show(data, "isp")["country"] is None and show(data, "isp")["roles"] == []

    text = cli_ok(["org", "show", "isp"], data).splitlines()
    assert "sectors\tenergy,telecommunications" in text and "country\t-" in text and "parent\tnational-cirt" in text
    assert "contact\tabuse\temail=noc@isp.example" in text

    # Every sector of STIX 2.1's vocabulary is accepted, and nothing else.
    everything = [arg for sector in vocab.INDUSTRY_SECTOR for arg in ("--sector", sector)]
    cli_ok(["org", "set", "isp", *everything], data)
    assert show(data, "isp")["sectors"] == vocab.INDUSTRY_SECTOR

    before = show(data, "isp")
    for args in (["--sector", "telecoms"], ["--sector", "infrastructure-dams"], ["--country", "fr"],
                 ["--country", "FRA"], ["--role", "king"], ["--contact", "fax,email=a@isp.example"],
                 ["--contact", "abuse"], ["--contact", "abuse,email=not an address"],
                 ["--contact", "abuse,email=a@isp.example,fax=1"], ["--contact", "abuse,phone=0123456789"],
                 ["--contact", "abuse,url=javascript:alert(1)"], ["--contact", "abuse,url=https://x.example/" + "a" * 3000],
                 ["--contact", "abuse,email=a@isp.example", "--contact", "abuse,phone=+331234"],
                 ["--contact", "abuse,email=a@isp.example", "--no-contact", "abuse"],
                 ["--sector", "energy", "--no-sectors"], ["--contact", "abuse,email=a\x01@isp.example"],
                 ["--contact", "abuse,email=a@isp.example\x85"]):
        r = cli(["org", "set", "isp", *args], data)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("cybex: error:"), (args, r.stderr)
    assert show(data, "isp") == before
    r = cli(["org", "show", "nobody"], data)
    assert r.returncode == 1 and "no organisation named 'nobody'" in r.stderr
    r = cli(["org", "set", "nobody", "--country", "FR"], data)
    assert r.returncode == 1 and "no organisation named 'nobody'" in r.stderr

    entries = [e for e in audit_lines(data) if e[2] == "organisation.set-profile"]
    assert len(entries) == 4
    assert all("isp.example" not in "\t".join(e) and "+33" not in "\t".join(e) for e in entries)
    assert any("contact abuse: added (email, phone)" in e[4] and "country - → FR" in e[4] for e in entries)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rest_profiles(tmp_path: Path, backend: str, request: pytest.FixtureRequest):
    data, database = tmp_path / "node", request.getfixturevalue("pg_database")() if backend == "postgresql" else None
    cli_ok(["org", "add", "national-cirt"], data, database)
    cli_ok(["org", "add", "isp", "--parent", "national-cirt"], data, database)
    cli_ok(["org", "add", "outsider"], data, database)
    for user, org, role in (("root", "outsider", "admin"), ("ispanalyst", "isp", "analyst"), ("ispreader", "isp", "reader"),
                            ("ispsync", "isp", "sync"), ("cirtanalyst", "national-cirt", "analyst"),
                            ("stranger", "outsider", "analyst")):
        cli_ok(["user", "add", user, "--org", org, "--role", role], data, database, stdin=PASSWORD + "\n")
    srv = CybexServer(data, database=database, expect_password=False).start()
    try:
        admin = API(srv, "root", PASSWORD)
        ids = {o["name"]: o["id"] for o in admin.call("GET", "/organisations").json()["organisations"]}
        isp = f"/organisations/{ids['isp']}/profile"

        # The document's sector vocabulary is STIX 2.1's, as the stix2 library states it.
        schemas = admin.spec["components"]["schemas"]
        assert schemas["OrganisationProfile"]["properties"]["sectors"]["items"]["enum"] == vocab.INDUSTRY_SECTOR

        body = {"sectors": ["telecommunications"], "country": "FR", "roles": ["service-provider"],
                "contacts": [{"kind": "abuse", "email": "abuse@isp.example", "phone": "+33 1 23 45 67 89"}]}
        stored = API(srv, "ispanalyst", PASSWORD).call("PUT", isp, body).json()
        assert stored["organisation"] == ids["isp"] and stored["name"] == "isp"
        assert stored["contacts"] == [{"kind": "abuse", "email": "abuse@isp.example", "phone": "+33 1 23 45 67 89",
                                       "url": None}]
        for user in ("ispanalyst", "ispreader", "ispsync", "cirtanalyst"):
            assert API(srv, user, PASSWORD).call("GET", isp).json() == stored, user
        assert admin.call("GET", isp).json() == stored
        # The CLI reads what REST wrote.
        assert show(data, "isp", database)["contacts"] == stored["contacts"]

        stranger = API(srv, "stranger", PASSWORD)
        hidden = stranger.call("GET", isp, expect=404)
        absent = stranger.call("GET", "/organisations/00000000-0000-4000-8000-000000000000/profile", expect=404)
        assert hidden.json()["error"]["code"] == absent.json()["error"]["code"] == "not-found"
        assert "isp" not in hidden.text.replace(ids["isp"], "")
        stranger.call("PUT", isp, {"country": "DE"}, expect=404)
        API(srv, "ispreader", PASSWORD).call("GET", f"/organisations/{ids['national-cirt']}/profile", expect=404)
        for user in ("ispreader", "ispsync", "cirtanalyst"):
            r = API(srv, user, PASSWORD).call("PUT", isp, {"country": "DE"}, expect=403)
            assert r.json()["error"]["code"] == "forbidden"
        assert admin.call("GET", isp).json() == stored

        # Strict bodies: the field is named, and nothing changes.
        for bad, field in (({"colour": "red"}, "colour"), ({"sectors": ["telecoms"]}, "sectors[0]"),
                           ({"country": "fr"}, "country"), ({"roles": ["vendor"]}, "roles[0]"),
                           ({"contacts": [{"kind": "abuse", "fax": "1"}]}, "contacts[0].fax"),
                           ({"contacts": [{"kind": "abuse", "email": "a\u0000@isp.example"}]}, "contacts[0].email"),
                           ({"contacts": [{"kind": "abuse", "url": "https://isp.example/" + "x" * 5000}]},
                            "contacts[0].url"),
                           ({"contacts": [{"kind": "abuse"}]}, "contacts[0]")):
            r = admin.call("PUT", isp, bad, expect=400)
            assert r.json()["error"]["field"] == field, (bad, r.text[:300])
        r = requests.put(srv.url("/api/v1" + isp), data="{}", auth=("root", PASSWORD),
                         headers={"Content-Type": "text/plain"}, timeout=30)
        assert r.status_code == 415
        assert admin.call("GET", isp).json() == stored

        replaced = admin.call("PUT", isp, {"sectors": ["energy"]}).json()
        assert replaced["country"] is None and replaced["contacts"] == [] and replaced["sectors"] == ["energy"]
    finally:
        stop_cleanly(srv)
    actions = audit_lines(data, database)
    changes = [e for e in actions if e[2] == "organisation.set-profile"]
    assert sorted(e[1] for e in changes) == ["ispanalyst", "root"]
    assert all("isp.example" not in "\t".join(e) for e in changes)
    denied = [e for e in actions if e[2] == "access.denied"]
    assert sorted(e[1] for e in denied) == ["cirtanalyst", "ispreader", "ispsync"]
