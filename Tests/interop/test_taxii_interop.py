"""`cybex serve` driven by the OASIS taxii2-client, plus raw-HTTP conformance and bad-input checks.

One server (SQLite, module scope) holds these collections, made with the CLI while it runs:
  bulk       12,000 posted versions in 12 bundles of 1,000 (pagination, manifest, versions)
  filters    ~250 versions in 3 envelopes (every filter, exact expectations)
  deletes    objects to delete
  errors     read+write for org `constituent` (bad input; reader POST -> 403)
  readonly   read for `constituent`;  writeonly: write for `constituent`;  hidden: read for `peer`
  concurrent pagination while another client writes
  preserve   custom properties, unicode and big integers kept exactly
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import stix2
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

import corpus
from conftest import (API_ROOT_PATH, STIX_MT, TAXII_MT, BearerAuth, CybexServer, Http, assert_taxii_error,
                      assert_valid_stix, check_status_counts, cli_ok, manifest_snapshot, media_type_is_taxii,
                      stop_cleanly, wait_status)

MAX_LEN = 4 * 1024 * 1024
BUNDLE = 1000
BULK_BUNDLES = 12
VERSIONED = 200  # bulk objects that get two more versions (in the last two bundles)


# ============================================================================ helpers
def parse_ts(value: str) -> tuple[dt.datetime, int]:
    """RFC 3339 UTC timestamp -> (whole seconds, nanoseconds); exact for up to 9 fraction digits."""
    assert isinstance(value, str) and value.endswith("Z"), f"not a UTC timestamp: {value!r}"
    body = value[:-1]
    frac = 0
    if "." in body:
        body, f = body.split(".", 1)
        assert f.isdigit() and 1 <= len(f) <= 9, f"bad fraction in {value!r}"
        frac = int(f.ljust(9, "0"))
    return dt.datetime.strptime(body, "%Y-%m-%dT%H:%M:%S"), frac


def same_ts(a: str, b: str) -> bool:
    return parse_ts(a) == parse_ts(b)


def ts_list(values: list[str]) -> list[tuple[dt.datetime, int]]:
    return [parse_ts(v) for v in values]


def taxii_ts(t: tuple[dt.datetime, int]) -> str:
    return t[0].strftime("%Y-%m-%dT%H:%M:%S.") + f"{t[1]:09d}"[:6] + "Z"


def keyed(objs: list[dict[str, Any]]) -> dict[tuple[str, str | None], dict[str, Any]]:
    out: dict[tuple[str, str | None], dict[str, Any]] = {}
    for o in objs:
        k = corpus.key_of(o)
        assert k not in out, f"duplicate version returned: {k}"
        out[k] = o
    return out


def assert_same_objects(got: list[dict[str, Any]], expected: list[dict[str, Any]], what: str) -> None:
    g, e = keyed(got), keyed(expected)
    missing = [k for k in e if k not in g]
    extra = [k for k in g if k not in e]
    assert not missing and not extra, (f"{what}: {len(got)} returned, {len(expected)} expected; "
                                       f"missing {len(missing)} e.g. {missing[:3]}; unexpected {len(extra)} e.g. {extra[:3]}")
    changed = [k for k in e if g[k] != e[k]]
    if changed:
        k = changed[0]
        diff = {p: (e[k].get(p), g[k].get(p)) for p in set(e[k]) | set(g[k]) if e[k].get(p) != g[k].get(p)}
        raise AssertionError(f"{what}: {len(changed)} objects differ from what was posted; first {k}: "
                             f"(posted, returned) per property: {diff}")


def assert_bundle_order(got: list[dict[str, Any]], bundles: list[list[dict[str, Any]]], what: str) -> None:
    """Objects of a bundle posted (and completed) later must come after those of earlier bundles."""
    index = {corpus.key_of(o): i for i, b in enumerate(bundles) for o in b}
    order = [index[corpus.key_of(o)] for o in got if corpus.key_of(o) in index]
    bad = next((i for i in range(1, len(order)) if order[i] < order[i - 1]), None)
    assert bad is None, f"{what}: not in ascending date_added: an object of bundle {order[bad]} came after " \
                        f"one of bundle {order[bad - 1]} (position {bad})"


def latest_versions(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for o in objs:
        cur = best.get(o["id"])
        if cur is None or parse_ts(corpus.version_of(o) or "1970-01-01T00:00:00Z") > parse_ts(
                corpus.version_of(cur) or "1970-01-01T00:00:00Z"):
            best[o["id"]] = o
    return list(best.values())


def first_versions(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for o in objs:
        cur = best.get(o["id"])
        if cur is None or parse_ts(corpus.version_of(o) or "1970-01-01T00:00:00Z") < parse_ts(
                corpus.version_of(cur) or "1970-01-01T00:00:00Z"):
            best[o["id"]] = o
    return list(best.values())


def get_json(http: Http, path: str, params: Any = None, **kw: Any) -> tuple[requests.Response, dict[str, Any]]:
    r = http.get(path, params=params, **kw)
    assert r.status_code == 200, f"GET {r.request.url} -> {r.status_code} {r.text[:400]}"
    assert media_type_is_taxii(r.headers.get("Content-Type")), \
        f"GET {r.request.url}: Content-Type {r.headers.get('Content-Type')!r}, expected {TAXII_MT}"
    return r, r.json()


def page_all(http: Http, path: str, params: dict[str, Any], limit: int = 1000) -> list[dict[str, Any]]:
    """Follow more/next over a raw objects or manifest endpoint; checks limit and headers."""
    out: list[dict[str, Any]] = []
    q = dict(params, limit=limit)
    for _ in range(1000):
        r, body = get_json(http, path, q)
        items = body.get("objects", [])
        assert len(items) <= limit, f"{len(items)} records returned for limit={limit}"
        out += items
        if not body.get("more"):
            return out
        assert items, "more=true on an empty page"
        assert body.get("next"), f"more=true without next on {r.request.url}"
        q = dict(params, limit=limit, next=body["next"])
    raise AssertionError("paging did not end")


def collect_pages(func: Any, per_request: int = 1000, max_pages: int = 100, **filters: Any) -> list[dict[str, Any]]:
    """taxii2client.as_pages over ``func`` (get_objects / get_manifest); checks the limit; bounded."""
    out: list[dict[str, Any]] = []
    for n, env in enumerate(as_pages(func, per_request=per_request, **filters)):
        items = env.get("objects", [])
        assert len(items) <= per_request, f"page {n} has {len(items)} records for limit={per_request}"
        if env.get("more"):
            assert env.get("next"), f"page {n}: more=true without next"
        out += items
        assert n < max_pages, f"pagination did not end after {max_pages} pages"
    return out


def post_envelope(http: Http, cid: str, objects: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    r = http.post(f"{API_ROOT_PATH}collections/{cid}/objects/", json.dumps({"objects": objects},
                                                                           ensure_ascii=False).encode(), **kw)
    assert r.status_code == 202, f"POST {len(objects)} objects -> {r.status_code} {r.text[:500]}"
    assert media_type_is_taxii(r.headers.get("Content-Type")), r.headers.get("Content-Type")
    st = r.json()
    check_status_counts(st)
    assert st["total_count"] == len(objects), f"status total_count {st['total_count']} != {len(objects)} posted"
    if st["status"] != "complete":
        st = wait_status(http, st["id"])
    check_status_counts(st)
    return st


def collection_client(srv: CybexServer, cid: str, **auth: Any) -> Collection:
    if not auth:
        auth = {"user": "admin", "password": srv.password}
    return Collection(srv.collection_url(cid), verify=srv.verify, **auth)


# ============================================================================ fixtures themselves
def test_fixture_corpus_is_valid_stix():
    """What the tests post is valid STIX 2.1, so a validator error on a returned object is the server's."""
    bulk = [o for b in build_bulk() for o in b]
    assert_valid_stix(bulk, "objects of the bulk fixture")
    keys = [corpus.key_of(o) for o in bulk]
    assert len(keys) == len(set(keys))
    c = corpus.Corpus(seed=3)
    assert_valid_stix(c.one_of_each(), "one object of each type")
    for value in ("198.51.100.7", "10.0.0.255", "0.0.0.0"):
        assert corpus.sco_ipv4_id(value) == stix2.IPv4Address(value=value).id
    seen = {o["type"] for o in c.one_of_each()}
    assert set(corpus.SDO_SRO_TYPES) | set(corpus.SCO_TYPES) | set(corpus.META_TYPES) <= seen | {"identity"}


# ============================================================================ world
@dataclass
class World:
    srv: CybexServer
    http: Http  # admin, Basic
    cids: dict[str, str]
    users: dict[str, str] = field(default_factory=dict)  # username -> password
    admin_token: str = ""

    def as_user(self, name: str) -> Http:
        return Http(self.srv, auth=(name, self.users[name]))

    def objects_path(self, name: str) -> str:
        return f"{API_ROOT_PATH}collections/{self.cids[name]}/objects/"

    def manifest_path(self, name: str) -> str:
        return f"{API_ROOT_PATH}collections/{self.cids[name]}/manifest/"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("taxii")
    # This one server takes ~60 deliberately wrong credentials (test_missing_or_wrong_credentials_are_401)
    # and must keep serving admin afterwards: throttling itself is tested in test_cli_auth.py.
    srv = CybexServer(root / "data", max_content_length=MAX_LEN,
                      extra_args=["--login-failures-per-account", "100000", "--login-failures-per-address", "100000"])
    try:
        srv.start()
        data = srv.data
        cli_ok(["org", "add", "constituent"], data)
        cli_ok(["org", "add", "peer"], data)
        users = {"reader1": "reader-pass-1", "contrib1": "contrib-pass-1", "peer1": "peer-pass-1"}
        cli_ok(["user", "add", "reader1", "--org", "constituent", "--role", "reader"], data, stdin="reader-pass-1\n")
        cli_ok(["user", "add", "contrib1", "--org", "constituent", "--role", "contributor"], data,
               stdin="contrib-pass-1\n")
        cli_ok(["user", "add", "peer1", "--org", "peer", "--role", "analyst"], data, stdin="peer-pass-1\n")
        specs = {
            "bulk": ["Bulk feed", "--description", "12,000 objects for paging"],
            "filters": ["Filter feed"],
            "deletes": ["Deletions"],
            "errors": ["Errors", "--read", "constituent", "--write", "constituent"],
            "readonly": ["Read only", "--read", "constituent"],
            "writeonly": ["Write only", "--write", "constituent"],
            "hidden": ["Hidden", "--read", "peer"],
            "concurrent": ["Concurrent"],
            "preserve": ["Preservation"],
        }
        cids = {}
        for name, args in specs.items():
            out = cli_ok(["collection", "add", *args], data)
            lines = [ln for ln in out.splitlines() if ln.strip()]
            assert len(lines) == 1, f"`collection add` must print only the id, printed {out!r}"
            cids[name] = lines[0].strip()
        token = cli_ok(["token", "create", "admin"], data).strip()
        w = World(srv=srv, http=Http(srv, auth=srv.admin_auth()), cids=cids, users=users, admin_token=token)
        yield w
    finally:
        code = srv.stop()
    assert code == 0, f"cybex serve exited {code} after SIGTERM (expected 0)\n{srv.log_tail()}"


# ============================================================================ discovery, api root, collections
def test_discovery_and_api_root_with_taxii2client(world: World):
    srv = world.srv
    server = Server(srv.url("/taxii2/"), user="admin", password=srv.password, verify=srv.verify)
    assert server.title, "discovery needs a title"
    urls = [a.url for a in server.api_roots]
    assert srv.api_root in urls, f"api_roots {urls} must include {srv.api_root}"
    if server.default is not None:
        assert server.default.url in urls
    api = next(a for a in server.api_roots if a.url == srv.api_root)
    assert api.title
    assert TAXII_MT in [v.replace(" ", "") for v in api.versions], f"versions {api.versions}"
    assert isinstance(api.max_content_length, int) and not isinstance(api.max_content_length, bool)
    assert api.max_content_length == MAX_LEN, f"max_content_length {api.max_content_length}, started with {MAX_LEN}"


def test_collections_with_taxii2client(world: World):
    srv = world.srv
    api = ApiRoot(srv.api_root, user="admin", password=srv.password, verify=srv.verify)
    by_id = {c.id: c for c in api.collections}
    for name, cid in world.cids.items():
        assert cid in by_id, f"admin must see collection {name} ({cid}); listed {list(by_id)}"
        c = by_id[cid]
        assert c.title and c.can_read is True and c.can_write is True, (name, c.title, c.can_read, c.can_write)
        if c.media_types:
            assert STIX_MT in [m.replace(" ", "") for m in c.media_types]
    assert by_id[world.cids["bulk"]].title == "Bulk feed"
    assert by_id[world.cids["bulk"]].description == "12,000 objects for paging"
    one = collection_client(srv, world.cids["filters"])
    one.refresh()
    assert one.id == world.cids["filters"] and one.title == "Filter feed"
    ids = [c.id for c in api.collections]
    assert len(ids) == len(set(ids)), "collection ids repeat"


@pytest.mark.parametrize("user, expect, unspecified", [
    ("contrib1", {"errors": (True, True), "readonly": (True, False), "writeonly": (False, True)}, ()),
    # a reader in an organisation with write permission only: whether it is listed is not specified
    ("reader1", {"errors": (True, False), "readonly": (True, False)}, ("writeonly",)),
    ("peer1", {"hidden": (True, False)}, ()),
])
def test_collection_permissions_per_organisation(world: World, user: str, expect: dict[str, tuple[bool, bool]],
                                                 unspecified: tuple[str, ...]):
    http = world.as_user(user)
    _, body = get_json(http, f"{API_ROOT_PATH}collections/")
    listed = {c["id"]: c for c in body.get("collections", [])}
    for name, cid in world.cids.items():
        if name in expect:
            assert cid in listed, f"{user} must see {name}; listed {[c['title'] for c in listed.values()]}"
            got = (listed[cid]["can_read"], listed[cid]["can_write"])
            assert got == expect[name], f"{user} on {name}: (can_read, can_write) = {got}, expected {expect[name]}"
            _, one = get_json(http, f"{API_ROOT_PATH}collections/{cid}/")
            assert (one["can_read"], one["can_write"]) == expect[name]
        elif name not in unspecified:
            assert cid not in listed, f"{user} must not see collection {name}"
            r = http.get(f"{API_ROOT_PATH}collections/{cid}/")
            assert_taxii_error(r, 404, f"{user} GET invisible collection {name}")


# ============================================================================ bulk: add + paginate
def build_bulk() -> list[list[dict[str, Any]]]:
    c = corpus.Corpus(seed=11)
    base_count = BULK_BUNDLES * BUNDLE - 2 * VERSIONED
    base = c.one_of_each()
    base += c.mixed(base_count - len(base))
    assert len(base) == base_count
    first_bundles = base[:10 * BUNDLE]
    rest = base[10 * BUNDLE:]
    candidates = [o for o in first_bundles[3:6 * BUNDLE] if "modified" in o][:VERSIONED]
    assert len(candidates) == VERSIONED
    v2 = [c.new_version(o, 1) for o in candidates]
    v3 = [c.new_version(o, 2) for o in candidates]
    half = len(rest) // 2
    bundles = [first_bundles[i:i + BUNDLE] for i in range(0, len(first_bundles), BUNDLE)]
    bundles.append(rest[:half] + v2)
    bundles.append(rest[half:] + v3)
    assert all(len(b) == BUNDLE for b in bundles) and len(bundles) == BULK_BUNDLES
    return bundles


@dataclass
class Bulk:
    bundles: list[list[dict[str, Any]]]
    statuses: list[Any]
    posted: list[dict[str, Any]]
    bundle_of: dict[tuple[str, str | None], int]
    versioned_ids: list[str]
    seconds: float


@pytest.fixture(scope="module")
def bulk(world: World) -> Bulk:
    bundles = build_bulk()
    col = collection_client(world.srv, world.cids["bulk"])
    statuses = []
    t0 = time.monotonic()
    for b in bundles:
        st = col.add_objects({"objects": b}, wait_for_completion=True, poll_interval=0.05, timeout=300)
        statuses.append(st)
    seconds = time.monotonic() - t0
    posted = [o for b in bundles for o in b]
    bundle_of = {corpus.key_of(o): i for i, b in enumerate(bundles) for o in b}
    versioned = [o["id"] for o in bundles[-1][-VERSIONED:]]
    print(f"\nposted {len(posted)} objects in {len(bundles)} bundles in {seconds:.1f}s "
          f"({len(posted) / seconds:.0f} objects/s, debug build)")
    return Bulk(bundles, statuses, posted, bundle_of, versioned, seconds)


def test_add_objects_status_complete(world: World, bulk: Bulk):
    for i, (b, st) in enumerate(zip(bulk.bundles, bulk.statuses)):
        assert st.status == "complete", f"bundle {i}: status {st.status} after polling"
        assert (st.total_count, st.success_count, st.failure_count, st.pending_count) == (BUNDLE, BUNDLE, 0, 0), \
            f"bundle {i}: total/success/failure/pending = {st.total_count}/{st.success_count}/" \
            f"{st.failure_count}/{st.pending_count}; failures {st.failures[:3]}"
        if st.successes:
            got = Counter(s["id"] for s in st.successes)
            assert got == Counter(o["id"] for o in b), f"bundle {i}: successes list the wrong ids"
            for s in st.successes:
                assert "version" in s, f"status-details needs version: {s}"
    # the status endpoint returns the same resource later
    api = ApiRoot(world.srv.api_root, user="admin", password=world.srv.password, verify=world.srv.verify)
    again = api.get_status(bulk.statuses[0].id)
    assert again.id == bulk.statuses[0].id and again.status == "complete" and again.success_count == BUNDLE


def test_pagination_all_versions_returns_exactly_what_was_posted(world: World, bulk: Bulk):
    col = collection_client(world.srv, world.cids["bulk"])
    t0 = time.monotonic()
    got = collect_pages(col.get_objects, version="all")
    secs = time.monotonic() - t0
    print(f"\npaged {len(got)} objects in {secs:.1f}s ({len(got) / max(secs, 1e-9):.0f} objects/s, debug build)")
    assert len(got) == len(bulk.posted), f"{len(got)} objects paged, {len(bulk.posted)} posted"
    assert_same_objects(got, bulk.posted, "match[version]=all over every page")
    assert_bundle_order(got, bulk.bundles, "match[version]=all pages")
    assert_valid_stix(got)


def test_pagination_default_returns_latest_versions(world: World, bulk: Bulk):
    col = collection_client(world.srv, world.cids["bulk"])
    got = collect_pages(col.get_objects)
    expected = latest_versions(bulk.posted)
    assert len(got) == len(expected) == len(bulk.posted) - 2 * VERSIONED
    assert_same_objects(got, expected, "default match[version] (last)")
    assert_valid_stix(got)


def test_manifest_consistent_with_objects(world: World, bulk: Bulk):
    col = collection_client(world.srv, world.cids["bulk"])
    records = collect_pages(col.get_manifest, version="all")
    assert len(records) == len(bulk.posted), f"manifest lists {len(records)} versions, {len(bulk.posted)} posted"
    stamps = ts_list([m["date_added"] for m in records])
    assert all(a < b for a, b in zip(stamps, stamps[1:])), "manifest date_added must be strictly increasing"
    posted = {}
    for o in bulk.posted:
        posted.setdefault(o["id"], []).append(o)
    seen: Counter[tuple[str, tuple[dt.datetime, int]]] = Counter()
    for m in records:
        assert set(m) >= {"id", "date_added", "version"}, f"manifest-record lacks fields: {m}"
        if "media_type" in m:
            assert m["media_type"].replace(" ", "") == STIX_MT, m
        versions = posted.get(m["id"])
        assert versions, f"manifest lists unknown id {m['id']}"
        with_version = [corpus.version_of(o) for o in versions if corpus.version_of(o)]
        if with_version:
            assert any(same_ts(m["version"], v) for v in with_version), \
                f"manifest version {m['version']} of {m['id']} is none of the posted {with_version}"
        else:  # SCO: no modified/created, version is date_added
            assert same_ts(m["version"], m["date_added"]), f"SCO {m['id']}: version {m['version']} != date_added"
        seen[(m["id"], parse_ts(m["version"]))] += 1
    assert max(seen.values()) == 1, "a version is listed twice in the manifest"
    # manifest (default = last) lists exactly the latest version of each object
    last = collect_pages(col.get_manifest)
    assert len(last) == len(posted)
    for m in last:
        latest = latest_versions(posted[m["id"]])[0]
        if corpus.version_of(latest):
            assert same_ts(m["version"], corpus.version_of(latest)), f"{m['id']}: last is {m['version']}"


def test_versions_endpoint_and_get_object(world: World, bulk: Bulk):
    col = collection_client(world.srv, world.cids["bulk"])
    posted = {}
    for o in bulk.posted:
        posted.setdefault(o["id"], []).append(o)
    checked = []
    for oid in bulk.versioned_ids[:25]:
        chain = sorted(posted[oid], key=lambda o: parse_ts(o["modified"]))
        assert len(chain) == 3
        body = col.object_versions(oid)
        assert ts_list(body.get("versions", [])) == ts_list([o["modified"] for o in chain]), \
            f"versions of {oid}: {body.get('versions')} expected ascending {[o['modified'] for o in chain]}"
        assert not body.get("more")
        man = col.get_manifest(id=oid, version="all").get("objects", [])
        assert ts_list([m["version"] for m in man]) == ts_list([o["modified"] for o in chain]), \
            f"manifest versions of {oid} disagree with versions endpoint"
        everything = col.get_object(oid, version="all").get("objects", [])
        assert_same_objects(everything, chain, f"get_object {oid} match[version]=all")
        assert col.get_object(oid).get("objects") == [chain[-1]], f"get_object {oid} default must be last"
        assert col.get_object(oid, version="first").get("objects") == [chain[0]]
        assert col.get_object(oid, version="last").get("objects") == [chain[-1]]
        assert col.get_object(oid, version=chain[1]["modified"]).get("objects") == [chain[1]]
        checked += everything
    # an object with one version
    versioned = set(bulk.versioned_ids)
    single = next(o for o in bulk.bundles[9] if o["id"] not in versioned and "modified" in o)
    assert len(col.object_versions(single["id"]).get("versions", [])) == 1
    assert col.get_object(single["id"]).get("objects") == [single]
    assert_valid_stix(checked)


def test_x_taxii_date_added_headers(world: World, bulk: Bulk):
    http = world.http
    for path in (world.objects_path("bulk"), world.manifest_path("bulk")):
        r, body = get_json(http, path, {"limit": 500, "match[version]": "all"})
        man_r, man = get_json(http, world.manifest_path("bulk"), {"limit": 500, "match[version]": "all"})
        first = r.headers.get("X-TAXII-Date-Added-First")
        last = r.headers.get("X-TAXII-Date-Added-Last")
        assert first and last, f"GET {r.request.url}: X-TAXII-Date-Added-First/Last missing ({dict(r.headers)})"
        recs = man["objects"]
        assert same_ts(first, recs[0]["date_added"]) and same_ts(last, recs[-1]["date_added"]), \
            f"{path}: headers {first}..{last} != manifest page {recs[0]['date_added']}..{recs[-1]['date_added']}"
        assert body["more"] is True and body.get("next")
    oid = bulk.versioned_ids[0]
    for path in (f"{world.objects_path('bulk')}{oid}/", f"{world.objects_path('bulk')}{oid}/versions/"):
        r, _ = get_json(http, path)
        for h in ("X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last"):
            assert r.headers.get(h), f"GET {path}: {h} missing"
            parse_ts(r.headers[h])


def test_pagination_by_added_after_header(world: World, bulk: Bulk):
    """A client that ignores `next` and pages with added_after = X-TAXII-Date-Added-Last gets everything once."""
    http = world.http
    got: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 2000, "match[version]": "all"}
    for _ in range(30):
        r, body = get_json(http, world.objects_path("bulk"), params)
        got += body.get("objects", [])
        if not body.get("more"):
            break
        params = {"limit": 2000, "match[version]": "all", "added_after": r.headers["X-TAXII-Date-Added-Last"]}
    assert len(got) == len(bulk.posted)
    assert_same_objects(got, bulk.posted, "paging by added_after")


def test_bearer_token_with_taxii2client(world: World, bulk: Bulk):
    srv = world.srv
    server = Server(srv.url("/taxii2/"), auth=BearerAuth(world.admin_token), verify=srv.verify)
    assert server.title
    col = Collection(srv.collection_url(world.cids["bulk"]), auth=BearerAuth(world.admin_token), verify=srv.verify)
    env = col.get_objects(limit=10, version="all")
    assert len(env["objects"]) == 10 and env.get("more") is True, f"limit=10 over bearer: {len(env['objects'])}"
    posted = keyed(bulk.posted)
    for o in env["objects"]:
        assert posted.get(corpus.key_of(o)) == o, f"bearer read returned an object not as posted: {o['id']}"
    r = requests.get(srv.url("/taxii2/"), headers={"Accept": TAXII_MT, "Authorization": "Bearer not-a-token"},
                     verify=srv.verify, timeout=30)
    assert_taxii_error(r, 401, "unknown bearer token")


# ============================================================================ filters
@dataclass
class FilterData:
    posted: list[dict[str, Any]]
    envelopes: list[list[dict[str, Any]]]
    records: list[dict[str, Any]]  # manifest, match[version]=all, in date_added order
    chains: dict[str, list[dict[str, Any]]]
    bare_sco: dict[str, Any]


@pytest.fixture(scope="module")
def filters(world: World) -> FilterData:
    c = corpus.Corpus(seed=23)
    e1 = c.one_of_each() + c.mixed(100)
    inds = [o for o in e1 if o["type"] == "indicator"][:4]
    ip = stix2.IPv4Address(value="192.0.2.77")
    bare_sco = {"type": "ipv4-addr", "id": ip.id, "value": "192.0.2.77"}  # SCO without spec_version
    e2 = c.mixed(60) + [c.new_version(o, 1) for o in inds] + [bare_sco]
    e3 = c.mixed(40) + [c.new_version(o, 2) for o in inds]
    envelopes = [e1, e2, e3]
    for env in envelopes:
        st = post_envelope(world.http, world.cids["filters"], env)
        assert st["success_count"] == len(env) and st["failure_count"] == 0, st.get("failures", [])[:3]
    posted = e1 + e2 + e3
    records = manifest_snapshot(world.http, world.cids["filters"])
    chains = {o["id"]: [x for x in posted if x["id"] == o["id"]] for o in inds}
    recs = [{"id": i, "version": v, "date_added": d} for (i, v, d) in records]
    return FilterData(posted, envelopes, recs, chains, bare_sco)


def _get_objects(world: World, params: dict[str, Any]) -> list[dict[str, Any]]:
    return page_all(world.http, world.objects_path("filters"), params, limit=50)


def _keys_in_order(objs: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [corpus.key_of(o) for o in objs]


def _order_of(fd: FilterData) -> dict[tuple[str, Any], int]:
    """(id, parsed version or None) -> position in date_added order."""
    out = {}
    for i, m in enumerate(fd.records):
        out[(m["id"], parse_ts(m["version"]))] = i
        out.setdefault((m["id"], None), i)
    return out


def _sorted_expected(fd: FilterData, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pos = _order_of(fd)

    def k(o: dict[str, Any]) -> int:
        v = corpus.version_of(o)
        return pos[(o["id"], parse_ts(v))] if v else pos[(o["id"], None)]
    return sorted(objs, key=k)


def check_filter(world: World, fd: FilterData, params: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    got = _get_objects(world, params)
    want = _sorted_expected(fd, expected)
    assert _keys_in_order(got) == _keys_in_order(want), \
        f"filter {params}: got {len(got)} objects, expected {len(want)}; " \
        f"first difference near {next((i for i, (a, b) in enumerate(zip(_keys_in_order(got), _keys_in_order(want))) if a != b), min(len(got), len(want)))}"
    assert_same_objects(got, want, f"filter {params}")
    assert_valid_stix(got)


def test_filter_match_type(world: World, filters: FilterData):
    last = latest_versions(filters.posted)
    check_filter(world, filters, {"match[type]": "indicator"}, [o for o in last if o["type"] == "indicator"])
    check_filter(world, filters, {"match[type]": "indicator,malware"},
                 [o for o in last if o["type"] in ("indicator", "malware")])
    check_filter(world, filters, {"match[type]": "ipv4-addr"}, [o for o in last if o["type"] == "ipv4-addr"])
    check_filter(world, filters, {"match[type]": "x-no-such-type"}, [])


def test_filter_match_id(world: World, filters: FilterData):
    last = latest_versions(filters.posted)
    some = [last[5], last[17], last[42], filters.bare_sco]
    check_filter(world, filters, {"match[id]": some[0]["id"]}, [some[0]])
    check_filter(world, filters, {"match[id]": ",".join(o["id"] for o in some)}, some)
    check_filter(world, filters, {"match[id]": f"indicator--{uuid.uuid4()}"}, [])


def test_filter_match_version(world: World, filters: FilterData):
    posted = filters.posted
    check_filter(world, filters, {}, latest_versions(posted))
    check_filter(world, filters, {"match[version]": "last"}, latest_versions(posted))
    check_filter(world, filters, {"match[version]": "first"}, first_versions(posted))
    check_filter(world, filters, {"match[version]": "all"}, posted)
    firsts, lasts = first_versions(posted), latest_versions(posted)
    both = keyed(firsts) | keyed(lasts)
    check_filter(world, filters, {"match[version]": "first,last"}, list(both.values()))
    chain = next(iter(filters.chains.values()))
    mid = chain[1]
    check_filter(world, filters, {"match[version]": mid["modified"], "match[id]": mid["id"]}, [mid])
    check_filter(world, filters, {"match[version]": f"first,{mid['modified']}", "match[id]": mid["id"]},
                 [chain[0], mid])
    # a timestamp matching only some objects' versions
    check_filter(world, filters, {"match[version]": mid["modified"]},
                 [o for o in posted if corpus.version_of(o) and same_ts(corpus.version_of(o), mid["modified"])])


def test_filter_match_spec_version(world: World, filters: FilterData):
    last = latest_versions(filters.posted)
    check_filter(world, filters, {"match[spec_version]": "2.1"}, last)
    check_filter(world, filters, {"match[spec_version]": "2.0,2.1"}, last)
    check_filter(world, filters, {"match[spec_version]": "2.0"}, [])
    # an SCO without spec_version is STIX 2.1
    check_filter(world, filters, {"match[spec_version]": "2.1", "match[id]": filters.bare_sco["id"]},
                 [filters.bare_sco])


def test_filter_added_after(world: World, filters: FilterData):
    recs = filters.records
    n1 = len(filters.envelopes[0])
    boundary = recs[n1 - 1]["date_added"]  # last record of envelope 1
    after = {(m["id"], parse_ts(m["version"])) for m in recs[n1:]}

    def is_after(o: dict[str, Any]) -> bool:
        v = corpus.version_of(o)
        if v is None:
            m = next(m for m in recs if m["id"] == o["id"])
            return (m["id"], parse_ts(m["version"])) in after
        return (o["id"], parse_ts(v)) in after
    check_filter(world, filters, {"added_after": boundary, "match[version]": "all"},
                 [o for o in filters.posted if is_after(o)])
    malware = [o for o in filters.posted if o["type"] == "malware"]
    check_filter(world, filters, {"added_after": boundary, "match[type]": "malware"},
                 [o for o in malware if is_after(o)])
    check_filter(world, filters, {"added_after": recs[-1]["date_added"], "match[version]": "all"}, [])
    check_filter(world, filters, {"added_after": "2000-01-01T00:00:00Z", "match[version]": "all"}, filters.posted)
    # manifest honours added_after too
    got = page_all(world.http, world.manifest_path("filters"), {"added_after": boundary, "match[version]": "all"}, 25)
    assert [(m["id"], parse_ts(m["version"])) for m in got] == [(m["id"], parse_ts(m["version"])) for m in recs[n1:]]


def test_filters_combine_with_and(world: World, filters: FilterData):
    chain = next(iter(filters.chains.values()))
    malware = next(o for o in filters.posted if o["type"] == "malware")
    ids = f"{chain[0]['id']},{malware['id']}"
    check_filter(world, filters, {"match[id]": ids, "match[type]": "indicator"}, [chain[-1]])
    check_filter(world, filters, {"match[id]": ids, "match[type]": "indicator", "match[version]": "all"}, chain)
    check_filter(world, filters, {"match[id]": ids, "match[type]": "tool"}, [])


def test_filtered_manifest_and_small_pages(world: World, filters: FilterData):
    inds = [o for o in latest_versions(filters.posted) if o["type"] == "indicator"]
    got = page_all(world.http, world.manifest_path("filters"), {"match[type]": "indicator"}, limit=7)
    assert sorted(m["id"] for m in got) == sorted(o["id"] for o in inds)
    objs = page_all(world.http, world.objects_path("filters"), {"match[type]": "indicator"}, limit=1)
    assert_same_objects(objs, inds, "limit=1 pages")


def test_empty_result_is_an_empty_envelope(world: World, filters: FilterData):
    r, body = get_json(world.http, world.objects_path("filters"), {"match[type]": "x-none"})
    assert body.get("objects", []) == [] and not body.get("more"), body
    for h in ("X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last"):
        if h in r.headers:  # absent on an empty page, or else a valid timestamp
            parse_ts(r.headers[h])


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "-3"}, {"limit": "ten"},
    {"added_after": "yesterday"}, {"match[version]": "newest"}, {"next": "not-a-cursor"},
])
def test_bad_parameters_are_400(world: World, filters: FilterData, params: dict[str, str]):
    before = manifest_snapshot(world.http, world.cids["filters"])
    r = world.http.get(world.objects_path("filters"), params=params)
    assert_taxii_error(r, 400, f"GET objects with {params}")
    assert manifest_snapshot(world.http, world.cids["filters"]) == before


def test_custom_properties_and_unicode_preserved_exactly(world: World):
    c = corpus.Corpus(seed=99)
    tool = c.with_extras(c.simple("tool"))
    tool["name"] = "Ünïcödé ツール 🚨 \"quoted\" \\ back/slash \u2028 line-sep"
    tool["x_cybex_big_int"] = 9007199254740991  # 2^53 - 1, the largest integer STIX allows
    tool["x_cybex_float"] = 0.1
    tool["x_cybex_deep"] = {"a": [{"b": [{"c": ["d", {"e": [1, 2]}]}]}], "k": "v"}
    numbers = "[1.50,2E10,-0.0,1e-7,0.1000000000000000055511151231257827]"  # as written, not as re-encoded
    text = json.dumps({"objects": [tool]}, ensure_ascii=False)
    text = text[:-3] + f', "x_cybex_numbers": {numbers}' + text[-3:]
    tool["x_cybex_numbers"] = json.loads(numbers)
    r = world.http.post(world.objects_path("preserve"), text.encode())
    assert r.status_code == 202, r.text
    st = r.json()
    if st["status"] != "complete":
        st = wait_status(world.http, st["id"])
    assert st["success_count"] == 1, st
    r = world.http.get(f"{world.objects_path('preserve')}{tool['id']}/")
    assert r.status_code == 200
    got = json.loads(r.content.decode("utf-8"))["objects"]
    assert got == [tool], f"object changed in storage: posted {tool}\n returned {got}"
    assert numbers.encode() in r.content.replace(b" ", b""), \
        f"numbers of a custom property were rewritten: posted {numbers}, returned {r.text[-300:]}"


# ============================================================================ delete
def test_delete_object_then_404(world: World):
    c = corpus.Corpus(seed=31)
    objs = c.mixed(6)
    victim = next(o for o in objs if "modified" in o)
    chain_base = next(o for o in objs if "modified" in o and o is not victim)
    chain = corpus.versions_chain(c, chain_base, 3)
    post_envelope(world.http, world.cids["deletes"], objs + chain[1:])
    cid = world.cids["deletes"]
    col = collection_client(world.srv, cid)

    col.delete_object(victim["id"])
    with pytest.raises(requests.HTTPError) as e:
        col.get_object(victim["id"])
    assert e.value.response.status_code == 404, "GET after DELETE must be 404"
    assert_taxii_error(e.value.response, 404, "GET deleted object")
    assert_taxii_error(world.http.get(f"{API_ROOT_PATH}collections/{cid}/objects/{victim['id']}/versions/"), 404,
                       "versions of deleted object")
    assert_taxii_error(world.http.delete(f"{API_ROOT_PATH}collections/{cid}/objects/{victim['id']}/"), 404,
                       "DELETE of a deleted object")
    remaining_ids = {m[0] for m in manifest_snapshot(world.http, cid)}
    assert victim["id"] not in remaining_ids
    assert remaining_ids == {o["id"] for o in objs} - {victim["id"]}

    # DELETE with match[version]=first removes only that version
    col.delete_object(chain[0]["id"], version="first")
    vs = col.object_versions(chain[0]["id"])["versions"]
    assert ts_list(vs) == ts_list([chain[1]["modified"], chain[2]["modified"]]), vs
    assert_same_objects(col.get_object(chain[0]["id"], version="all")["objects"], chain[1:],
                        "versions left after DELETE match[version]=first")
    assert_taxii_error(world.http.delete(f"{API_ROOT_PATH}collections/{cid}/objects/indicator--{uuid.uuid4()}/"),
                       404, "DELETE unknown object")


# ============================================================================ bad input
def _post_raw(world: World, name: str, body: bytes, **kw: Any) -> requests.Response:
    return world.http.post(world.objects_path(name), body, **kw)


@pytest.fixture(scope="module")
def seeded_errors(world: World) -> list[dict[str, Any]]:
    objs = corpus.Corpus(seed=41).mixed(5)
    post_envelope(world.http, world.cids["errors"], objs)
    return objs


class Unchanged:
    """Context manager: the collection's manifest is the same after the block."""

    def __init__(self, world: World, name: str = "errors") -> None:
        self.world, self.cid = world, world.cids[name]

    def __enter__(self) -> "Unchanged":
        self.before = manifest_snapshot(self.world.http, self.cid)
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            after = manifest_snapshot(self.world.http, self.cid)
            assert after == self.before, f"stored objects changed: {len(self.before)} -> {len(after)} versions"


@pytest.mark.parametrize("body", [
    b'{"objects": [', b"not json at all", b'{"objects": [{"type": "indicator",}]}', b"\xff\xfe\x00garbage",
], ids=["truncated", "text", "trailing-comma", "not-utf8"])
def test_invalid_json_is_400(world: World, seeded_errors: Any, body: bytes):
    with Unchanged(world):
        assert_taxii_error(_post_raw(world, "errors", body), 400, f"POST {body[:30]!r}")


@pytest.mark.parametrize("body", [b"[]", b'"envelope"', b'{"objects": {}}', b'{"objects": "x"}', b""])
def test_malformed_envelope_is_400_or_422(world: World, seeded_errors: Any, body: bytes):
    with Unchanged(world):
        r = _post_raw(world, "errors", body)
        assert r.status_code in (400, 422), f"POST {body!r} -> {r.status_code} {r.text[:200]}"
        assert_taxii_error(r, r.status_code, f"POST {body!r}")


def test_non_object_entries_are_rejected(world: World, seeded_errors: Any):
    """Entries of `objects` that are not JSON objects: the whole request (400/422) or each entry fails."""
    with Unchanged(world):
        r = _post_raw(world, "errors", b'{"objects": [1, "two", null]}')
        if r.status_code in (400, 422):
            assert_taxii_error(r, r.status_code, "objects that are not JSON objects")
            return
        assert r.status_code == 202, f"-> {r.status_code} {r.text[:300]}"
        st = r.json()
        if st["status"] != "complete":
            st = wait_status(world.http, st["id"])
        check_status_counts(st)
        assert (st["total_count"], st["success_count"], st["failure_count"]) == (3, 0, 3), st


@pytest.mark.parametrize("ctype", ["application/json", "text/plain", "application/taxii+json;version=2.0",
                                   "application/stix+json;version=2.1", None])
def test_wrong_content_type_is_415(world: World, seeded_errors: Any, ctype: str | None):
    body = json.dumps({"objects": corpus.Corpus(seed=42).mixed(2)}).encode()
    with Unchanged(world):
        r = world.http.request("POST", world.objects_path("errors"), content_type=ctype, data=body)
        assert_taxii_error(r, 415, f"POST with Content-Type {ctype!r}")


@pytest.mark.parametrize("accept", ["application/json", "text/html", "application/taxii+json;version=2.0",
                                    "application/stix+json;version=2.1"])
def test_unacceptable_accept_is_406(world: World, seeded_errors: Any, accept: str):
    for path in ("/taxii2/", API_ROOT_PATH, f"{API_ROOT_PATH}collections/", world.objects_path("errors"),
                 world.manifest_path("errors")):
        r = world.http.get(path, accept=accept)
        assert r.status_code == 406, f"GET {path} Accept {accept!r} -> {r.status_code} {r.text[:200]}"
        assert_taxii_error(r, 406, f"GET {path} Accept {accept!r}")
    body = json.dumps({"objects": corpus.Corpus(seed=43).mixed(2)}).encode()
    with Unchanged(world):
        assert_taxii_error(world.http.post(world.objects_path("errors"), body, accept=accept), 406,
                           f"POST with Accept {accept!r}")


@pytest.mark.parametrize("accept", ["application/taxii+json;version=2.1", "application/taxii+json",
                                    "application/taxii+json; version=2.1", "Application/TAXII+JSON;Version=2.1"])
def test_acceptable_accept_variants(world: World, seeded_errors: Any, accept: str):
    r = world.http.get(world.objects_path("errors"), accept=accept)
    assert r.status_code == 200, f"Accept {accept!r} -> {r.status_code} {r.text[:200]}"
    assert media_type_is_taxii(r.headers.get("Content-Type"))


def _oversized_body() -> bytes:
    objs = corpus.Corpus(seed=44).mixed(10)
    objs[0]["description"] = "x" * (MAX_LEN + 10)
    body = json.dumps({"objects": objs}).encode()
    assert len(body) > MAX_LEN
    return body


def test_body_over_max_content_length_is_413(world: World, seeded_errors: Any):
    body = _oversized_body()
    with Unchanged(world):
        try:
            r = _post_raw(world, "errors", body)
        except requests.ConnectionError as e:
            pytest.fail(f"server closed the connection without a 413 response: {e}")
        assert_taxii_error(r, 413, f"POST {len(body)} bytes (limit {MAX_LEN})")


def test_chunked_body_over_max_content_length_is_413(world: World, seeded_errors: Any):
    body = _oversized_body()

    def gen():
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]
    with Unchanged(world):
        try:
            r = world.http.session.post(world.srv.url(world.objects_path("errors")), data=gen(),
                                        headers={"Accept": TAXII_MT, "Content-Type": TAXII_MT},
                                        auth=world.srv.admin_auth(), timeout=60)
        except requests.ConnectionError as e:  # server may close early; then nothing may be stored either
            pytest.fail(f"server closed the connection without a 413 response: {e}")
        assert_taxii_error(r, 413, "chunked POST over the limit")


def test_invalid_objects_fail_individually(world: World, seeded_errors: Any):
    c = corpus.Corpus(seed=45)
    good = c.mixed(3)
    t = corpus.ts(10)
    bad = [
        {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}", "created": t,
         "modified": t, "pattern_type": "stix", "valid_from": t},  # no pattern
        {"type": "malware", "spec_version": "2.1", "id": "malware--1234", "created": t, "modified": t,
         "name": "m", "is_family": True},  # id is not type--UUID
        {"type": "tool", "spec_version": "2.1", "id": f"tool--{uuid.uuid4()}", "created": "last tuesday",
         "modified": "last tuesday", "name": "t"},  # not timestamps
        {"type": "indicator", "spec_version": "2.1", "id": f"malware--{uuid.uuid4()}", "created": t,
         "modified": t, "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
         "valid_from": t},  # id prefix does not match type
        {"type": "campaign", "spec_version": "2.1", "id": f"campaign--{uuid.uuid4()}", "created": corpus.ts(100),
         "modified": corpus.ts(50), "name": "c"},  # modified before created
        {"type": "malware", "spec_version": "2.1", "id": f"malware--{uuid.uuid4()}", "created": t,
         "modified": t, "name": "m", "is_family": True, "description": None},  # null value
    ]
    objects = [good[0], bad[0], bad[1], good[1], bad[2], bad[3], bad[4], bad[5], good[2]]
    before = manifest_snapshot(world.http, world.cids["errors"])
    r = _post_raw(world, "errors", json.dumps({"objects": objects}).encode())
    assert r.status_code == 202, f"envelope with invalid objects -> {r.status_code} {r.text[:300]}"
    st = r.json()
    if st["status"] != "complete":
        st = wait_status(world.http, st["id"])
    check_status_counts(st)
    assert (st["total_count"], st["success_count"], st["failure_count"], st["pending_count"]) == (9, 3, 6, 0), st
    failed = {f["id"]: f for f in st.get("failures", [])}
    for b in bad:
        assert b["id"] in failed, f"invalid object {b['id']} not in failures: {list(failed)}"
        assert isinstance(failed[b["id"]].get("message"), str) and failed[b["id"]]["message"].strip(), \
            f"failure for {b['id']} needs a message: {failed[b['id']]}"
    if st.get("successes"):
        assert {s["id"] for s in st["successes"]} == {g["id"] for g in good}
    after = manifest_snapshot(world.http, world.cids["errors"])
    added = sorted({m[0] for m in after} - {m[0] for m in before})
    assert added == sorted(g["id"] for g in good), f"stored {added}, expected only the valid {[g['id'] for g in good]}"
    for b in bad:
        if "--" in b["id"] and len(b["id"]) > 40:
            assert world.http.get(f"{world.objects_path('errors')}{b['id']}/").status_code == 404
    for g in good:
        assert world.http.get(f"{world.objects_path('errors')}{g['id']}/").json()["objects"] == [g]


def test_duplicate_version_is_not_stored_twice(world: World, seeded_errors: list[dict[str, Any]]):
    with Unchanged(world):
        r = _post_raw(world, "errors", json.dumps({"objects": seeded_errors[:2]}).encode())
        assert r.status_code == 202, r.text
        st = r.json()
        if st["status"] != "complete":
            st = wait_status(world.http, st["id"])
        check_status_counts(st)
        assert st["total_count"] == 2 and st["pending_count"] == 0


def test_non_existent_things_are_404(world: World, seeded_errors: Any):
    http = world.http
    nope = str(uuid.uuid4())
    obj = f"indicator--{uuid.uuid4()}"
    real = world.cids["errors"]
    paths = [
        ("GET", f"{API_ROOT_PATH}collections/{nope}/"),
        ("GET", f"{API_ROOT_PATH}collections/{nope}/objects/"),
        ("GET", f"{API_ROOT_PATH}collections/{nope}/manifest/"),
        ("GET", f"{API_ROOT_PATH}collections/{nope}/objects/{obj}/"),
        ("GET", f"{API_ROOT_PATH}collections/{real}/objects/{obj}/"),
        ("GET", f"{API_ROOT_PATH}collections/{real}/objects/{obj}/versions/"),
        ("DELETE", f"{API_ROOT_PATH}collections/{real}/objects/{obj}/"),
        ("GET", f"{API_ROOT_PATH}status/{nope}/"),
        ("GET", "/taxii2/no-such-root/"),
        ("GET", "/taxii2/no-such-root/collections/"),
    ]
    with Unchanged(world):
        for method, path in paths:
            assert_taxii_error(http.request(method, path), 404, f"{method} {path}")
        r = http.post(f"{API_ROOT_PATH}collections/{nope}/objects/",
                      json.dumps({"objects": corpus.Corpus(seed=46).mixed(1)}).encode())
        assert_taxii_error(r, 404, "POST to unknown collection")


def _every_endpoint(world: World, seeded: list[dict[str, Any]]) -> list[tuple[str, str]]:
    cid = world.cids["errors"]
    oid = seeded[0]["id"]
    return [
        ("GET", "/taxii2/"), ("GET", API_ROOT_PATH), ("GET", f"{API_ROOT_PATH}collections/"),
        ("GET", f"{API_ROOT_PATH}collections/{cid}/"), ("GET", f"{API_ROOT_PATH}collections/{cid}/objects/"),
        ("GET", f"{API_ROOT_PATH}collections/{cid}/manifest/"),
        ("GET", f"{API_ROOT_PATH}collections/{cid}/objects/{oid}/"),
        ("GET", f"{API_ROOT_PATH}collections/{cid}/objects/{oid}/versions/"),
        ("DELETE", f"{API_ROOT_PATH}collections/{cid}/objects/{oid}/"),
        ("POST", f"{API_ROOT_PATH}collections/{cid}/objects/"),
        ("GET", f"{API_ROOT_PATH}status/{uuid.uuid4()}/"),
    ]


@pytest.mark.parametrize("auth", [None, ("admin", "wrong-password"), ("nobody", "x"), ("", ""),
                                  BearerAuth("wrong-token"), "malformed"],
                         ids=["missing", "wrong-password", "unknown-user", "empty", "bad-bearer", "malformed"])
def test_missing_or_wrong_credentials_are_401(world: World, seeded_errors: list[dict[str, Any]], auth: Any):
    body = json.dumps({"objects": corpus.Corpus(seed=47).mixed(2)}).encode()
    with Unchanged(world):
        for method, path in _every_endpoint(world, seeded_errors):
            headers = {"Authorization": "Basic %%%not-base64"} if auth == "malformed" else None
            r = world.http.request(method, path, auth=None if auth == "malformed" else auth,
                                   data=body if method == "POST" else None,
                                   content_type=TAXII_MT if method == "POST" else None, headers=headers)
            assert_taxii_error(r, 401, f"{method} {path} with credentials {auth!r}")
            www = r.headers.get("WWW-Authenticate", "")
            assert www, f"{method} {path}: 401 without WWW-Authenticate"
            assert "basic" in www.lower(), f"WWW-Authenticate must offer Basic: {www!r}"


def test_healthz_needs_no_credentials(world: World):
    r = requests.get(world.srv.url("/healthz"), timeout=10, verify=world.srv.verify)
    assert r.status_code == 200


def test_metrics_endpoint(world: World):
    r = requests.get(world.srv.url("/metrics"), timeout=10, verify=world.srv.verify)
    if r.status_code == 401:
        r = requests.get(world.srv.url("/metrics"), timeout=10, auth=world.srv.admin_auth(), verify=world.srv.verify)
    assert r.status_code == 200, f"/metrics -> {r.status_code}"
    assert "# TYPE" in r.text, "expected Prometheus text format"


def test_permissions_403(world: World, seeded_errors: Any):
    body = json.dumps({"objects": corpus.Corpus(seed=48).mixed(2)}).encode()
    reader, contrib = world.as_user("reader1"), world.as_user("contrib1")
    with Unchanged(world, "errors"):
        assert_taxii_error(reader.post(world.objects_path("errors"), body), 403, "reader role POST")
        assert_taxii_error(reader.delete(f"{world.objects_path('errors')}{seeded_errors[0]['id']}/"), 403,
                           "reader role DELETE")
    with Unchanged(world, "readonly"):
        assert_taxii_error(contrib.post(world.objects_path("readonly"), body), 403, "POST without write permission")
    assert_taxii_error(contrib.get(world.objects_path("writeonly")), 403, "GET objects without read permission")
    assert_taxii_error(contrib.get(world.manifest_path("writeonly")), 403, "GET manifest without read permission")
    # a contributor of an organisation with write permission can write
    st = post_envelope(contrib, world.cids["writeonly"], corpus.Corpus(seed=49).mixed(2))
    assert st["success_count"] == 2
    # and another organisation's collection does not exist for it
    with Unchanged(world, "hidden"):
        assert_taxii_error(contrib.post(world.objects_path("hidden"), body), 404, "POST to invisible collection")
        assert_taxii_error(contrib.get(world.objects_path("hidden")), 404, "GET invisible collection objects")


def test_every_taxii_response_has_taxii_content_type(world: World, seeded_errors: list[dict[str, Any]]):
    for method, path in _every_endpoint(world, seeded_errors):
        if method != "GET" or "status" in path:
            continue
        r = world.http.get(path)
        assert r.status_code == 200, f"GET {path} -> {r.status_code}"
        assert media_type_is_taxii(r.headers.get("Content-Type")), f"GET {path}: {r.headers.get('Content-Type')}"


# ============================================================================ concurrency and processes
def test_pagination_exact_while_another_client_writes(world: World):
    c = corpus.Corpus(seed=51)
    cid = world.cids["concurrent"]
    original = c.mixed(3000)
    for chunk in corpus.chunks(original, 1000):
        post_envelope(world.http, cid, chunk)
    extra: list[dict[str, Any]] = []
    got: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500, "match[version]": "all"}
    for page in range(100):
        _, body = get_json(world.http, f"{API_ROOT_PATH}collections/{cid}/objects/", params)
        got += body.get("objects", [])
        if page < 3:
            more = c.mixed(100)
            post_envelope(world.http, cid, more)
            extra += more
        if not body.get("more"):
            break
        params = {"limit": 500, "match[version]": "all", "next": body["next"]}
    keys = [corpus.key_of(o) for o in got]
    assert len(keys) == len(set(keys)), "an object was returned twice while paging"
    extra_keys = {corpus.key_of(o) for o in extra}
    unknown = [k for k in keys if k not in extra_keys and k not in {corpus.key_of(o) for o in original}]
    assert not unknown, f"unexpected objects: {unknown[:3]}"
    assert_same_objects(got[:len(original)], original,
                        "the 3,000 objects stored before paging began, first and once, while others were added")
    assert_bundle_order(got, list(corpus.chunks(original, 1000)) + [extra], "paging during writes")


def test_pagination_survives_server_restart(server_factory, tmp_path: Path):
    srv = server_factory(tmp_path / "restart")
    pw = srv.password
    cid = cli_ok(["collection", "add", "Restart"], srv.data).strip()
    http = Http(srv, auth=("admin", pw))
    objs = corpus.Corpus(seed=61).mixed(2500)
    for chunk in corpus.chunks(objs, 1000):
        post_envelope(http, cid, chunk)
    _, body = get_json(http, f"{API_ROOT_PATH}collections/{cid}/objects/", {"limit": 1000})
    got = body["objects"]
    stop_cleanly(srv)
    srv2 = server_factory(srv.data, expect_password=False)
    assert srv2.password is None, "admin password printed again on a second start"
    http2 = Http(srv2, auth=("admin", pw))
    nxt = body["next"]
    while True:
        _, body = get_json(http2, f"{API_ROOT_PATH}collections/{cid}/objects/", {"limit": 1000, "next": nxt})
        got += body["objects"]
        if not body.get("more"):
            break
        nxt = body["next"]
    assert_same_objects(got, objs, "paging across a restart")
    assert_bundle_order(got, list(corpus.chunks(objs, 1000)), "paging across a restart")


def test_two_server_processes_on_postgresql(server_factory, pg_database, tmp_path: Path):
    db = pg_database()
    a = server_factory(tmp_path / "pg-a", database=db)
    pw = a.password
    b = server_factory(tmp_path / "pg-b", database=db, expect_password=False)
    assert b.password is None, "second process on the same database printed a new admin password"
    cid = cli_ok(["collection", "add", "Shared"], tmp_path / "pg-cli", database=db).strip()
    ha, hb = Http(a, auth=("admin", pw)), Http(b, auth=("admin", pw))
    objs = corpus.Corpus(seed=71).mixed(2500)
    statuses = []
    for i, chunk in enumerate(corpus.chunks(objs, 1000)):
        statuses.append(post_envelope(ha if i % 2 == 0 else hb, cid, chunk))
    # status written through one process is readable through the other
    r = hb.get(f"{API_ROOT_PATH}status/{statuses[0]['id']}/")
    assert r.status_code == 200 and r.json()["id"] == statuses[0]["id"], \
        f"status {statuses[0]['id']} from process A not found through process B: {r.status_code}"
    got: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 300}
    for page in range(100):
        h = (ha, hb)[page % 2]
        _, body = get_json(h, f"{API_ROOT_PATH}collections/{cid}/objects/", params)
        got += body.get("objects", [])
        if not body.get("more"):
            break
        params = {"limit": 300, "next": body["next"]}
    assert_same_objects(got, objs, "pages alternating between two processes")
    assert_bundle_order(got, list(corpus.chunks(objs, 1000)), "pages alternating between two processes")
    assert_valid_stix(got)


# ============================================================================ TLS and shutdown
def test_tls_serving(server_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # requests prefers REQUESTS_CA_BUNDLE over a session's verify=; this test trusts only its own certificate
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    srv = server_factory(tmp_path / "tls", extra_args=["--tls-cert", str(cert), "--tls-key", str(key)],
                         scheme="https", verify=str(cert))
    server = Server(srv.url("/taxii2/"), user="admin", password=srv.password, verify=str(cert))
    assert server.title and server.api_roots
    assert TAXII_MT in server.api_roots[0].versions


def test_graceful_shutdown(server_factory, tmp_path: Path):
    srv = server_factory(tmp_path / "shutdown")
    port = srv.port
    assert requests.get(srv.url("/healthz"), timeout=10).status_code == 200
    t0 = time.monotonic()
    stop_cleanly(srv)
    assert time.monotonic() - t0 < 15
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
