"""Shared fixtures: the cybex binary, a running `cybex serve`, PostgreSQL databases, validation.

Environment:
  CYBEX_BIN                path of the binary (default <repo>/.build/debug/cybex)
  CYBEX_TEST_POSTGRES_URL  postgres://user:pass@host:port/db of a server whose role may CREATEDB
  CYBEX_REQUIRE_POSTGRES   "1": PostgreSQL tests fail instead of skipping when the URL is absent
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Iterable

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
CYBEX_BIN = os.environ.get("CYBEX_BIN") or str(REPO / ".build" / "debug" / "cybex")
TAXII_MT = "application/taxii+json;version=2.1"
STIX_MT = "application/stix+json;version=2.1"
API_ROOT_PATH = "/taxii2/cybex/"
PASSWORD_RE = re.compile(r"^admin password: (\S+)\s*$")


# ---------------------------------------------------------------------------- binary / CLI
def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CYBEX_DATA", "CYBEX_DATABASE_URL"):
        env.pop(name, None)
    return env


def require_binary() -> str:
    if not os.access(CYBEX_BIN, os.X_OK):
        pytest.fail(f"cybex binary not found or not executable at {CYBEX_BIN} (set CYBEX_BIN)")
    return CYBEX_BIN


def cli(args: list[str], data: str | os.PathLike[str] | None, database: str | None = None,
        stdin: str | bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `cybex ARGS --data DATA [--database URL]`; never raises on a non-zero exit."""
    cmd = [require_binary(), *args]
    if data is not None:
        cmd += ["--data", str(data)]
    if database:
        cmd += ["--database", database]
    if isinstance(stdin, bytes):
        stdin = stdin.decode("utf-8")
    return subprocess.run(cmd, input=stdin if stdin is not None else "", capture_output=True, text=True,
                          timeout=timeout, env=_clean_env())


def cli_ok(args: list[str], data: Any, database: str | None = None, stdin: str | None = None,
           timeout: float = 300) -> str:
    """Run a CLI command that must succeed; returns stdout."""
    r = cli(args, data, database, stdin, timeout)
    assert r.returncode == 0, (f"`cybex {' '.join(args)}` exited {r.returncode}\n"
                               f"stdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")
    return r.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------- server
class CybexServer:
    """One `cybex serve` process on a free loopback port."""

    def __init__(self, data: Path, database: str | None = None, max_content_length: int | None = None,
                 expect_password: bool = True, extra_args: Iterable[str] = (), scheme: str = "http",
                 verify: Any = True) -> None:
        self.data = Path(data)
        self.database = database
        self.max_content_length = max_content_length
        self.expect_password = expect_password
        self.extra_args = list(extra_args)
        self.scheme = scheme
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.password: str | None = None
        self.stdout_lines: list[str] = []
        self.log_path = self.data.parent / f"{self.data.name}-serve-{uuid.uuid4().hex[:6]}.log"
        self._password_seen = threading.Event()
        self.verify: Any = verify

    # -- lifecycle
    def start(self, timeout: float = 120) -> "CybexServer":
        self.data.mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _attempt in range(3):
            self.port = free_port()
            cmd = [require_binary(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--data", str(self.data)]
            if self.database:
                cmd += ["--database", self.database]
            if self.max_content_length is not None:
                cmd += ["--max-content-length", str(self.max_content_length)]
            cmd += self.extra_args
            self._log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                         env=_clean_env(), stdin=subprocess.DEVNULL)
            threading.Thread(target=self._read_stdout, daemon=True).start()
            ok, last_error = self._wait_healthy(timeout)
            if ok:
                break
            self._log.close()
            if "address already in use" not in last_error.lower():
                break
        else:
            ok = False
        if not ok:
            self.kill()
            raise AssertionError(f"cybex serve did not become healthy: {last_error}\n{self.log_tail()}")
        if self.expect_password:
            if not self._password_seen.wait(10):
                self.kill()  # a failed start must not leave the server running
                raise AssertionError("cybex serve printed no `admin password: ...` line on stdout; "
                                     f"stdout was {self.stdout_lines!r}\n{self.log_tail()}")
        return self

    def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            m = PASSWORD_RE.match(line)
            if m and self.password is None:
                self.password = m.group(1)
                self._password_seen.set()

    def _wait_healthy(self, timeout: float) -> tuple[bool, str]:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        err = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, f"exited with {self.proc.returncode} before /healthz answered"
            try:
                r = requests.get(self.url("/healthz"), timeout=2, verify=self.verify)
                if r.status_code == 200:
                    return True, ""
                err = f"/healthz answered {r.status_code}"
            except requests.RequestException as e:
                err = str(e)
            time.sleep(0.1)
        return False, f"timed out after {timeout}s: {err}"

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, wait; returns the exit code (kills and raises after ``timeout``)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"cybex serve did not exit within {timeout}s of SIGTERM\n{self.log_tail()}")
        code = self.proc.returncode
        self._log.close()
        self.proc = None
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if not self._log.closed:
            self._log.close()

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "--- server stderr (tail) ---\n" + "\n".join(lines[-n:])

    # -- addressing
    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def api_root(self) -> str:
        return self.url(API_ROOT_PATH)

    def collection_url(self, cid: str) -> str:
        return f"{self.api_root}collections/{cid}/"

    def admin_auth(self) -> tuple[str, str]:
        assert self.password, "no admin password known for this server"
        return ("admin", self.password)


def stop_cleanly(server: CybexServer) -> None:
    code = server.stop()
    assert code == 0, f"cybex serve exited {code} after SIGTERM (expected graceful exit 0)\n{server.log_tail()}"


@pytest.fixture
def server_factory(tmp_path: Path):
    """Start servers on demand; each is stopped with SIGTERM and must exit 0."""
    started: list[CybexServer] = []

    def make(data: Path | None = None, **kw: Any) -> CybexServer:
        srv = CybexServer(data or tmp_path / f"data{len(started)}", **kw)
        started.append(srv)
        return srv.start()

    yield make
    errors = []
    for srv in started:
        if srv.proc is None:
            continue
        try:
            stop_cleanly(srv)
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


# ---------------------------------------------------------------------------- HTTP helpers
class Http:
    """Raw TAXII requests with explicit headers (for status codes the client library hides)."""

    def __init__(self, server: CybexServer, auth: Any = None) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.verify = server.verify
        self.auth = auth

    def request(self, method: str, path_or_url: str, *, accept: str | None = TAXII_MT,
                content_type: str | None = None, data: Any = None, auth: Any = "default",
                params: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        url = path_or_url if path_or_url.startswith("http") else self.server.url(path_or_url)
        h: dict[str, str] = {}
        if accept is not None:
            h["Accept"] = accept
        if content_type is not None:
            h["Content-Type"] = content_type
        h.update(headers or {})
        if isinstance(data, (dict, list)):
            data = json.dumps(data).encode("utf-8")
        return self.session.request(method, url, headers=h, data=data, params=params,
                                    auth=self.auth if auth == "default" else auth, timeout=120)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> requests.Response:
        kw.setdefault("content_type", TAXII_MT)
        return self.request("POST", path, data=body, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def media_type_is_taxii(value: str | None) -> bool:
    if not value:
        return False
    parts = [p.strip().lower() for p in value.split(";")]
    return parts[0] == "application/taxii+json" and "version=2.1" in [p.replace(" ", "") for p in parts[1:]]


def assert_taxii_error(r: requests.Response, status: int, what: str = "") -> dict[str, Any]:
    """Status code, TAXII content type and an error resource with a title."""
    detail = f"{what}: {r.request.method} {r.request.url} -> {r.status_code} {r.headers.get('Content-Type')} {r.text[:300]!r}"
    assert r.status_code == status, f"expected {status}; {detail}"
    assert media_type_is_taxii(r.headers.get("Content-Type")), f"error body must be {TAXII_MT}; {detail}"
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON; {detail}")
    assert isinstance(body, dict) and isinstance(body.get("title"), str) and body["title"], \
        f"TAXII error resource needs a non-empty title; {detail}"
    if "http_status" in body:
        assert str(body["http_status"]) == str(status), f"http_status disagrees with status; {detail}"
    return body


def wait_status(http: Http, status_id: str, timeout: float = 120) -> dict[str, Any]:
    """Poll a status resource until complete."""
    deadline = time.monotonic() + timeout
    while True:
        r = http.get(f"{API_ROOT_PATH}status/{status_id}/")
        assert r.status_code == 200, f"GET status {status_id} -> {r.status_code} {r.text[:300]}"
        st = r.json()
        if st["status"] == "complete":
            return st
        assert time.monotonic() < deadline, f"status {status_id} not complete after {timeout}s: {st}"
        time.sleep(0.05)


def check_status_counts(st: dict[str, Any]) -> None:
    for k in ("id", "status", "total_count", "success_count", "failure_count", "pending_count"):
        assert k in st, f"status resource lacks {k}: {st}"
    assert st["total_count"] == st["success_count"] + st["failure_count"] + st["pending_count"], st
    assert len(st.get("successes", [])) in (0, st["success_count"]), "successes list length != success_count"
    assert len(st.get("failures", [])) == st["failure_count"], "failures list length != failure_count"


def manifest_snapshot(http: Http, cid: str) -> list[tuple[str, str, str]]:
    """(id, version, date_added) of every stored version in a collection, via the manifest."""
    out: list[tuple[str, str, str]] = []
    params: dict[str, Any] = {"match[version]": "all", "limit": 1000}
    for _ in range(10_000):
        r = http.get(f"{API_ROOT_PATH}collections/{cid}/manifest/", params=params)
        assert r.status_code == 200, f"manifest -> {r.status_code} {r.text[:300]}"
        body = r.json()
        out += [(m["id"], m["version"], m["date_added"]) for m in body.get("objects", [])]
        if not body.get("more"):
            return out
        assert body.get("next"), "manifest says more=true without next"
        params = {"match[version]": "all", "limit": 1000, "next": body["next"]}
    raise AssertionError("manifest paging did not end")


# ---------------------------------------------------------------------------- STIX validation
_validated: dict[str, list[str]] = {}


def _validate_one(text: str) -> list[str]:
    import stix2validator
    try:
        res = stix2validator.validate_instance(json.loads(text))
    except Exception as e:  # the validator raises on some malformed input
        return [f"validator raised {type(e).__name__}: {e}"]
    return [str(e) for e in res.errors] if not res.is_valid else []


def stix_errors(objects: Iterable[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Run stix2-validator over objects (each distinct content once per session)."""
    texts = {}
    for obj in objects:
        t = json.dumps(obj, sort_keys=True, ensure_ascii=False)
        if t not in _validated:
            texts[t] = obj.get("id", "?")
    todo = list(texts)
    if len(todo) > 400:
        with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(_validate_one, todo, chunksize=100))
    else:
        results = [_validate_one(t) for t in todo]
    for t, errs in zip(todo, results):
        _validated[t] = errs
    bad = []
    for obj in objects:
        t = json.dumps(obj, sort_keys=True, ensure_ascii=False)
        if _validated[t]:
            bad.append((obj.get("id", "?"), _validated[t]))
    return bad


def assert_valid_stix(objects: list[dict[str, Any]], what: str = "objects returned by the server") -> None:
    bad = stix_errors(objects)
    assert not bad, f"{len(bad)} of {len(objects)} {what} fail stix2-validator, e.g. {bad[:5]}"


# ---------------------------------------------------------------------------- PostgreSQL
def postgres_url() -> str | None:
    url = os.environ.get("CYBEX_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CYBEX_REQUIRE_POSTGRES") == "1":
            pytest.fail("CYBEX_REQUIRE_POSTGRES=1 but CYBEX_TEST_POSTGRES_URL is not set")
        pytest.skip("CYBEX_TEST_POSTGRES_URL not set")
    return url


def _pg_tool(tool: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    u = urllib.parse.urlsplit(url)
    env = _clean_env()
    if u.password:
        env["PGPASSWORD"] = urllib.parse.unquote(u.password)
    cmd = [tool, "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432)]
    if u.username:
        cmd += ["-U", urllib.parse.unquote(u.username)]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=120)


def psql(url: str, sql: str, db: str | None = None) -> str:
    u = urllib.parse.urlsplit(url)
    r = _pg_tool("psql", url, "-d", db or u.path.lstrip("/") or "postgres", "-At", "-c", sql)
    assert r.returncode == 0, f"psql failed: {r.stderr}"
    return r.stdout


@pytest.fixture
def pg_database():
    """Factory: a fresh, empty PostgreSQL database per call; dropped afterwards. Returns its URL."""
    base = postgres_url()
    assert base is not None
    for tool in ("createdb", "dropdb", "psql"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found (install postgresql-client)")
    made: list[str] = []

    def make() -> str:
        name = f"cybex_it_{uuid.uuid4().hex[:12]}"
        r = _pg_tool("createdb", base, name)
        assert r.returncode == 0, f"createdb {name} failed: {r.stderr}"
        made.append(name)
        u = urllib.parse.urlsplit(base)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))

    yield make
    for name in made:
        _pg_tool("dropdb", base, "--force", "--if-exists", name)
