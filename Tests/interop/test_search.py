"""Search across collections: `cybex search` and GET /api/v1/objects, from outside.

Two collections hold an indicator whose STIX pattern names a domain, a domain-name SCO with the
same domain in another case, and a TLP:RED indicator naming it that only its owner sees. A search
by the value finds each carrier in the collection it is in, whatever the case; `--for` and a
reader of another organisation see only what the sharing policy shows them; an unreadable
collection is answered as absent; bad parameters get a 400 naming the parameter; what comes back
passes stix2-validator.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import requests

from conftest import CybexServer, assert_valid_stix, cli, cli_ok, stop_cleanly

RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def indicator(pattern: str, marking: str, modified: str = "2026-03-01T00:00:00.000Z") -> dict:
    return {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-03-01T00:00:00.000Z", "modified": modified, "name": "C2 domain",
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-03-01T00:00:00Z",
        "object_marking_refs": [marking],
    }


def bundle(objects: list[dict]) -> str:
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects})


def two_collections(tmp_path: Path) -> tuple[Path, str, str]:
    """A node with cirt and isp (reader rita): Feed, which both read and cirt writes, and Internal,
    cirt's alone."""
    data = tmp_path / "node"
    cli_ok(["org", "add", "cirt"], data)
    cli_ok(["org", "add", "isp"], data)
    cli_ok(["user", "add", "rita", "--org", "isp", "--role", "reader"], data, stdin="rita-secret-1\n")
    feed = cli_ok(["collection", "add", "Feed", "--read", "cirt", "--read", "isp", "--write", "cirt"], data).strip()
    internal = cli_ok(["collection", "add", "Internal", "--read", "cirt", "--write", "cirt"], data).strip()
    return data, feed, internal


def test_search_across_collections(tmp_path: Path):
    data, feed, internal = two_collections(tmp_path)

    green = indicator("[domain-name:value = 'c2.evil.example']", GREEN)
    red = indicator("[domain-name:value = 'c2.evil.example'] OR [ipv4-addr:value = '203.0.113.5']", RED)
    sco = {"type": "domain-name", "spec_version": "2.1", "id": f"domain-name--{uuid.uuid4()}",
           "value": "C2.Evil.Example", "object_marking_refs": [GREEN]}
    other = indicator("[ipv4-addr:value = '198.51.100.1']", GREEN)
    (tmp_path / "feed.json").write_text(bundle([green, red, other]))
    (tmp_path / "internal.json").write_text(bundle([sco]))
    cli_ok(["import", str(tmp_path / "feed.json"), "--collection", feed, "--owner", "cirt"], data)
    cli_ok(["import", str(tmp_path / "internal.json"), "--collection", internal, "--owner", "cirt"], data)

    # The operator's search: every carrier, in the collection it is in, oldest added first.
    lines = cli_ok(["search", "--value", "C2.EVIL.example", "--json"], data).splitlines()
    found = [json.loads(line) for line in lines]
    assert [(f["collection"], f["object"]["id"]) for f in found] == [
        (feed, green["id"]), (feed, red["id"]), (internal, sco["id"])]
    assert_valid_stix([f["object"] for f in found], "cybex search --json")
    table = cli_ok(["search", "--value", "203.0.113.5"], data).splitlines()
    assert len(table) == 1 and table[0].split("\t")[1:4] == [feed, "indicator", red["id"]]
    assert cli_ok(["search", "--type", "domain-name"], data).splitlines()[0].split("\t")[3] == sco["id"]

    # As the ISP sees it: the feed's GREEN objects only; the internal collection is not its to read.
    as_isp = [json.loads(line) for line in cli_ok(["search", "--value", "c2.evil.example", "--for", "isp", "--json"],
                                                  data).splitlines()]
    assert [f["object"]["id"] for f in as_isp] == [green["id"]]
    r = cli(["search", "--for", "nobody"], data)
    assert r.returncode == 1 and "no organisation named 'nobody'" in r.stderr
    r = cli(["search", "--since", "yesterday"], data)
    assert r.returncode == 2 and "--since" in r.stderr

    srv = CybexServer(data, expect_password=False).start()
    try:
        def get(params: dict, auth=("rita", "rita-secret-1")) -> requests.Response:
            return requests.get(srv.url("/api/v1/objects"), params=params, auth=auth,
                                headers={"Accept": "application/json"}, timeout=30)

        r = get({"value": "c2.evil.example"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert [(x["collection"], x["object"]["id"]) for x in body["results"]] == [(feed, green["id"])]
        assert body["more"] is False and "next" not in body
        assert get({"value": "203.0.113.5"}).json()["results"] == []
        # Paging: one result per page, following next, finds the feed's two visible indicators once each.
        seen, params = [], {"type": "indicator", "limit": "1"}
        while True:
            page = get(params).json()
            seen += [x["object"]["id"] for x in page["results"]]
            if not page["more"]:
                break
            params = {"type": "indicator", "limit": "1", "next": page["next"]}
        assert seen == [green["id"], other["id"]]
        assert get({"collection": internal}).status_code == 404
        assert get({"collection": "no-such-collection"}).status_code == 404
        for params, name in (({"version": "newest"}, "version"), ({"since": "soon"}, "since"),
                             ({"next": "x"}, "next"), ({"limit": "0"}, "limit"), ({"value": " "}, "value"),
                             ({"colour": "red"}, "colour")):
            r = get(params)
            assert r.status_code == 400 and name in r.text, (params, r.status_code, r.text)
        assert get({}, auth=None).status_code == 401
    finally:
        stop_cleanly(srv)
    # A search that returned TLP:AMBER or above content is audited; the operator's RED hit was.
    actions = [line.split("\t")[2] for line in cli_ok(["audit", "list"], data).splitlines()]
    assert "objects.search" in actions


def test_correlate_from_the_command_line_and_over_rest(tmp_path: Path):
    """`cybex correlate` and POST /api/v1/correlations: an address finds the indicator that names it
    and the SCO of the range that contains it; an organisation sees only what it may; the value
    never appears in the audit log, only its hash."""
    data, feed, internal = two_collections(tmp_path)
    named = indicator("[ipv4-addr:value = '198.51.100.7']", GREEN)
    hidden = indicator("[ipv4-addr:value = '198.51.100.7']", GREEN)
    network = {"type": "ipv4-addr", "spec_version": "2.1", "id": f"ipv4-addr--{uuid.uuid4()}",
               "value": "198.51.100.0/24", "object_marking_refs": [GREEN]}
    (tmp_path / "feed.json").write_text(bundle([named, network]))
    (tmp_path / "internal.json").write_text(bundle([hidden]))
    cli_ok(["import", str(tmp_path / "feed.json"), "--collection", feed, "--owner", "cirt"], data)
    cli_ok(["import", str(tmp_path / "internal.json"), "--collection", internal, "--owner", "cirt"], data)

    result = json.loads(cli_ok(["correlate", "198.51.100.7", "--json"], data))
    assert result["observables"] == [{"kind": "ipv4-addr", "value": "198.51.100.7"}]
    assert {hit["id"] for hit in result["hits"]} == {named["id"], hidden["id"], network["id"]}
    by_id = {hit["id"]: hit for hit in result["hits"]}
    assert by_id[network["id"]]["observables"] == [{"kind": "ipv4-addr", "value": "198.51.100.0/24"}]
    assert by_id[hidden["id"]]["collections"] == [internal]
    for_isp = json.loads(cli_ok(["correlate", "198.51.100.7", "--for", "isp", "--json"], data))
    assert {hit["id"] for hit in for_isp["hits"]} == {named["id"], network["id"]}
    others = json.loads(cli_ok(["correlate", "--object", named["id"], "--json"], data))
    assert {hit["id"] for hit in others["hits"]} == {hidden["id"], network["id"]}
    lines = cli_ok(["correlate", "198.51.100.9/24"], data).splitlines()
    assert sorted(line.split("\t")[4] for line in lines) == sorted([named["id"], hidden["id"], network["id"]])

    for args in (["correlate"], ["correlate", "x", "--object", named["id"]], ["correlate", "--object", "nope"],
                 ["correlate", "x", "--limit", "0"]):
        assert cli(args, data).returncode != 0, args
    missing = cli(["correlate", "--object", f"indicator--{uuid.uuid4()}"], data)
    assert missing.returncode != 0 and "no object" in missing.stderr

    audit = cli_ok(["audit", "list", "--action", "objects.correlate"], data)
    assert "198.51.100.7" not in audit and "sha256:" in audit

    server = CybexServer(data, expect_password=False).start()
    try:
        answer = requests.post(server.url("/api/v1/correlations"), json={"value": "198.51.100.7"},
                               auth=("rita", "rita-secret-1"), timeout=30)
        assert answer.status_code == 200, answer.text
        assert {hit["id"] for hit in answer.json()["hits"]} == {named["id"], network["id"]}
        hidden_object = requests.post(server.url("/api/v1/correlations"), json={"object": hidden["id"]},
                                      auth=("rita", "rita-secret-1"), timeout=30)
        assert hidden_object.status_code == 404
    finally:
        stop_cleanly(server)
