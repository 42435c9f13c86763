"""Feeds from outside: `cybex feed add/pull/list` against a local HTTP fixture and against a second
`cybex serve` as a TAXII source, and the `feeds` job of two `cybex serve` processes on one
PostgreSQL database.

The fixture is a plain Python HTTP server that answers every GET with the file (never 304) and logs
when it was asked. A CSV feed pulled twice makes one indicator per value and one sighting per
value whose count grows, never a copy; a malformed file stores nothing and shows its error in
`cybex feed list`. With two serve processes checking every second for a feed due every 3 s, the
fixture is asked once per interval, never twice within one, and every pull is audited once.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import cli, cli_ok, stop_cleanly


class Fixture:
    """Serves files from a dict on a free loopback port; records (time, path) of each GET."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[float, str]] = []
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.lstrip("/")
                fixture.requests.append((time.time(), path))
                body = fixture.files.get(path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path}"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def fixture():
    served = Fixture()
    yield served
    served.close()


def node(data: Path, database: str | None = None) -> str:
    cli_ok(["org", "add", "cirt"], data, database)
    return cli_ok(["collection", "add", "Feeds", "--read", "cirt", "--write", "cirt"], data, database).strip()


def count(data: Path, type_: str, database: str | None = None, version: str = "last") -> int:
    out = cli_ok(["search", "--type", type_, "--version", version], data, database)
    return len([line for line in out.splitlines() if line.strip()])


def test_a_csv_feed_pulled_again_adds_no_copies(tmp_path: Path, fixture: Fixture):
    data = tmp_path / "node"
    collection = node(data)
    fixture.files["scanners.csv"] = b"# scanners\naddress;seen\n198.51.100.7;today\n203.0.113.9;today\n"
    cli_ok(["feed", "add", "scanners", "--format", "csv", "--url", fixture.url("scanners.csv"), "--owner", "cirt",
            "--collection", collection, "--delimiter", ";", "--header", "--column", "address", "--label", "scanner",
            "--confidence", "50"], data)
    assert "2 read" in cli_ok(["feed", "pull", "scanners"], data)
    assert "2 read" in cli_ok(["feed", "pull", "scanners"], data)
    assert count(data, "indicator") == 2
    assert count(data, "indicator", version="all") == 2
    assert count(data, "sighting") == 2
    assert count(data, "sighting", version="all") == 4
    listed = json.loads(cli_ok(["feed", "list", "--json"], data))
    assert [(f["name"], f["status"], f["pulls"], f["last_values"]) for f in listed] == [("scanners", "ok", 2, 2)]
    traced = json.loads(cli_ok(["trace", "198.51.100.7", "--json"], data))
    [hit] = traced["hits"]
    assert hit["type"] == "indicator" and hit["sightings"] == 1 and hit["sighted"] == 2

    fixture.files["scanners.csv"] = b"address;seen\n198.51.100.7;today\n;\nnot-an-address;today\n"
    cli_ok(["feed", "add", "strict", "--format", "csv", "--url", fixture.url("scanners.csv"), "--owner", "cirt",
            "--collection", collection, "--delimiter", ";", "--header", "--column", "address", "--type", "ipv4-addr"],
           data)
    failed = cli(["feed", "pull", "strict"], data)
    assert failed.returncode != 0 and "line 4" in failed.stderr, failed.stderr
    assert count(data, "sighting", version="all") == 4
    strict = next(f for f in json.loads(cli_ok(["feed", "list", "--json"], data)) if f["name"] == "strict")
    assert strict["status"] == "failing" and "line 4" in strict["error"] and strict["failures"] == 1
    audit = cli_ok(["audit", "list", "--action", "feed.pull"], data)
    assert audit.count("feed.pull") == 3 and "failed" in audit


def test_two_serve_processes_pull_each_feed_once_per_interval(tmp_path: Path, fixture: Fixture, pg_database,
                                                              server_factory):
    url = pg_database()
    data = tmp_path / "a"
    collection = node(data, url)
    fixture.files["c2.txt"] = b"# C2\n198.51.100.7\nc2.evil.example\nhttp://c2.evil.example/gate.php\n"
    cli_ok(["feed", "add", "c2", "--format", "list", "--url", fixture.url("c2.txt"), "--owner", "cirt",
            "--collection", collection, "--interval-seconds", "3"], data, url)
    args = ["--feed-check-seconds", "1"]
    a = server_factory(tmp_path / "a", database=url, extra_args=args)
    b = server_factory(tmp_path / "b", database=url, extra_args=args, expect_password=False)
    deadline = time.time() + 60
    while time.time() < deadline and len(fixture.requests) < 4:
        time.sleep(0.2)
    times = [when for when, path in fixture.requests if path == "c2.txt"]
    assert len(times) >= 4, fixture.requests
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) > 2.0, gaps
    # Stopped (a pull in flight finishes first), so that what was asked and what was audited are final.
    stop_cleanly(a)
    stop_cleanly(b)
    pulls = cli_ok(["audit", "list", "--action", "feed.pull", "--limit", "1000"], data, url).splitlines()
    asked = len([1 for _, path in fixture.requests if path == "c2.txt"])
    assert len(pulls) == asked, (pulls, asked)
    assert all("\tfeeds\t" in line for line in pulls)
    assert count(data, "indicator", url) == 3
    assert count(data, "sighting", url, version="all") == 3 * asked


def test_a_taxii_feed_pulls_a_second_cybex_serve(tmp_path: Path, server_factory):
    """A `cybex serve` holding indicators is the TAXII source of another node's feed: the first pull
    stores them all, a second pull stores nothing new, new objects at the source come with the next."""
    source_data = tmp_path / "source"
    cli_ok(["org", "add", "peer"], source_data)
    cli_ok(["user", "add", "mirror", "--org", "peer", "--role", "reader"], source_data, stdin="mirror-secret-1\n")
    shared = cli_ok(["collection", "add", "Shared", "--read", "peer", "--write", "peer"], source_data).strip()

    def indicators(first: int, count: int) -> Path:
        path = tmp_path / f"batch-{first}.json"
        objects = [{
            "type": "indicator", "spec_version": "2.1", "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": f"C2 {n}",
            "pattern": f"[ipv4-addr:value = '198.51.100.{n}']", "pattern_type": "stix",
            "valid_from": "2026-11-01T00:00:00Z",
        } for n in range(first, first + count)]
        path.write_text(json.dumps({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
                                    "objects": objects}))
        return path

    cli_ok(["import", str(indicators(1, 5)), "--collection", shared, "--owner", "peer"], source_data)
    source = server_factory(source_data, expect_password=False)

    data = tmp_path / "mirror"
    collection = node(data)
    cli_ok(["feed", "add", "peer", "--format", "taxii", "--url", source.api_root, "--taxii-collection", shared,
            "--owner", "cirt", "--collection", collection, "--credentials-stdin"], data, stdin="mirror:mirror-secret-1\n")
    assert "5 read\t5 added" in cli_ok(["feed", "pull", "peer"], data)
    assert "0 read\t0 added" in cli_ok(["feed", "pull", "peer"], data)
    assert count(data, "indicator") == 5
    cli_ok(["import", str(indicators(6, 2)), "--collection", shared, "--owner", "peer"], source_data)
    assert "2 read\t2 added" in cli_ok(["feed", "pull", "peer"], data)
    assert count(data, "indicator", version="all") == 7
    listed = json.loads(cli_ok(["feed", "list", "--json"], data))
    assert listed[0]["status"] == "ok" and "mirror-secret" not in json.dumps(listed)
