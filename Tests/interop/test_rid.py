"""RID (RFC 6545) over HTTPS with mutual TLS (RFC 6546) between three `cybex serve` nodes on
loopback, each with its own certificate from a test CA made here with openssl: A sends a
TraceRequest about an address in C's constituency to B, B forwards it to C (the peer whose
constituency holds the address), C's Result travels back and A's case records the path. A client
without a certificate, with one from another CA, with one no peer has, or sending what its peer
may not send, is refused; a TLP:RED case never leaves a node for a peer that may not read it."""
from __future__ import annotations

import json
import ssl
import subprocess
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests

from conftest import CybexServer, cli, cli_ok, free_port, stop_cleanly
from test_rest_api import API

RID_NS = "urn:ietf:params:xml:ns:iodef-rid-2.0"
IODEF_NS = "urn:ietf:params:xml:ns:iodef-2.0"
SOURCE = "203.0.113.77"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(directory: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
            "-days", "2", "-subj", f"/CN={name}", cwd=directory)


def make_certificate(directory: Path, name: str, ca: str) -> None:
    """A certificate for `name` (DNS localhost, IP 127.0.0.1: the nodes run on loopback) signed by `ca`."""
    (directory / f"{name}.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={name}", cwd=directory)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=directory)


class Node:
    """One node: its data directory, RID port and certificate; set up by the CLI, then served."""

    def __init__(self, root: Path, certs: Path, letter: str) -> None:
        self.letter = letter
        self.name = f"node-{letter}.example"
        self.data = root / f"node-{letter}"
        self.certs = certs
        self.rid_port = free_port()
        self.server: CybexServer | None = None

    @property
    def endpoint(self) -> str:
        return f"https://localhost:{self.rid_port}/"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return cli_ok(list(args), self.data, stdin=stdin)

    def start(self) -> CybexServer:
        self.server = CybexServer(self.data, expect_password=False, extra_args=[
            "--node-name", self.name, "--rid-port", str(self.rid_port), "--rid-ca", str(self.certs / "ca.pem"),
            "--rid-cert", str(self.certs / f"{self.letter}.pem"), "--rid-key", str(self.certs / f"{self.letter}.key"),
        ]).start()
        return self.server

    def exchanges(self) -> list[dict]:
        return [json.loads(line) for line in self.cli("rid", "list").splitlines() if line.strip()]


@pytest.fixture
def network(tmp_path: Path):
    certs = tmp_path / "certs"
    certs.mkdir()
    make_ca(certs, "ca")
    for name in ("a", "b", "c", "stranger"):
        make_certificate(certs, name, "ca")
    make_ca(certs, "rogue-ca")
    make_certificate(certs, "rogue", "rogue-ca")
    a, b, c = (Node(tmp_path, certs, letter) for letter in "abc")

    # A: its CIRT works cases in "cases", which B's organisation may read (TLP:AMBER and below).
    a.cli("org", "add", "cert-a")
    a.cli("org", "add", "peer-b")
    a.cli("user", "add", "ana", "--org", "cert-a", "--role", "analyst", stdin="ana-password-1\n")
    a.cases = a.cli("collection", "add", "Cases", "--read", "cert-a", "--read", "peer-b", "--write", "cert-a").strip()
    a_inbox = a.cli("collection", "add", "RID in", "--read", "cert-a", "--write", "peer-b").strip()
    a.cli("peer", "add", "b", "--organisation", "peer-b", "--url", b.endpoint, "--certificate", str(certs / "b.pem"),
          "--collection", a_inbox, "--handled-by", "cert-a")

    # B: takes requests from A (not queries), and knows that C's organisation holds 203.0.113.0/24.
    for org in ("cert-b", "peer-a", "peer-c"):
        b.cli("org", "add", org)
    b_inbox = b.cli("collection", "add", "RID in", "--read", "cert-b", "--read", "peer-c", "--write", "peer-a",
                    "--write", "peer-c").strip()
    b.cli("peer", "add", "a", "--organisation", "peer-a", "--url", a.endpoint, "--certificate", str(certs / "a.pem"),
          "--collection", b_inbox, "--handled-by", "cert-b", "--accept", "TraceRequest", "--accept", "Report",
          "--accept", "Acknowledgement", "--accept", "Result")
    b.cli("peer", "add", "c", "--organisation", "peer-c", "--url", c.endpoint, "--certificate", str(certs / "c.pem"),
          "--collection", b_inbox, "--handled-by", "cert-b")
    (tmp_path / "peer-c.csv").write_text("kind,value\nnetwork,203.0.113.0/24\n")
    b.cli("constituency", "import", str(tmp_path / "peer-c.csv"), "--org", "peer-c")

    # C: its constituent "hosting" holds the network.
    for org in ("cert-c", "peer-b", "hosting"):
        c.cli("org", "add", org)
    c_inbox = c.cli("collection", "add", "RID in", "--read", "cert-c", "--write", "peer-b").strip()
    c.cli("peer", "add", "b", "--organisation", "peer-b", "--url", b.endpoint, "--certificate", str(certs / "b.pem"),
          "--collection", c_inbox, "--handled-by", "cert-c")
    (tmp_path / "hosting.csv").write_text("kind,value\nnetwork,203.0.113.0/25\n")
    c.cli("constituency", "import", str(tmp_path / "hosting.csv"), "--org", "hosting")

    servers = []
    try:
        for node in (a, b, c):
            servers.append(node.start())
        yield a, b, c, certs
    finally:
        for server in servers:
            stop_cleanly(server)


def open_case(a: Node, tlp: str, recipients: list[str] | None = None) -> tuple[API, dict]:
    ana = API(a.server, "ana", "ana-password-1")
    body = {"collection": a.cases, "title": f"Scan from {SOURCE}", "severity": "high", "classification": "ddos", "tlp": tlp}
    if recipients:
        body["recipients"] = recipients
    return ana, ana.call("POST", "/cases", body, expect=201).json()


def test_trace_request_forwarded_and_answered_along_the_path(network):
    a, b, c, _ = network
    ana, case = open_case(a, "amber")
    exchange = ana.call("POST", f"/cases/{case['id']}/rid", {"type": "trace", "peer": "b", "subject": SOURCE},
                        expect=201).json()
    assert exchange["state"] == "answered", json.dumps(exchange, indent=1)
    assert exchange["source_found"] is True
    assert exchange["path"] == ["node-a.example", "node-b.example", "node-c.example"]
    assert [m["type"] for m in exchange["messages"]] == ["TraceRequest", "Result"]

    # The path is on A's case: its exchanges and its timeline.
    listed = ana.call("GET", f"/cases/{case['id']}/rid").json()["exchanges"]
    assert [e["id"] for e in listed] == [exchange["id"]]
    timeline = ana.call("GET", f"/cases/{case['id']}/timeline").json()["events"]
    assert any(e["kind"] == "rid" and "node-a.example → node-b.example → node-c.example" in e["detail"] for e in timeline)

    # B forwarded to C and relayed C's Result; C answered from its constituency and opened a case
    # whose timeline (not the Result) names the constituent.
    [at_b] = b.exchanges()
    assert at_b["role"] == "responder" and at_b["upstream"] == "a" and at_b["downstream"] == "c"
    assert at_b["state"] == "answered" and at_b["source_found"] is True
    assert [(m["direction"], m["type"]) for m in at_b["messages"]] == [
        ("in", "TraceRequest"), ("out", "TraceRequest"), ("in", "Result"), ("out", "Result")]
    [at_c] = c.exchanges()
    assert at_c["upstream"] == "b" and at_c["state"] == "answered" and at_c["source_found"] is True
    shown = json.loads(c.cli("case", "show", at_c["case"]))
    assert any("hosting" in e["detail"] for e in shown["timeline"]), shown["timeline"]
    assert "hosting" not in json.dumps(exchange), "the Result never names the constituent"

    # Every step is audited on every node.
    for node in (a, b, c):
        assert "rid.exchange" in node.cli("audit", "list", "--action", "rid.*")


def test_tlp_red_never_leaves_for_a_peer_that_may_not_read_it(network):
    a, b, c, _ = network
    # Addressed to nobody at B: A refuses to send it at all.
    ana, secret = open_case(a, "red")
    refused = ana.call("POST", f"/cases/{secret['id']}/rid", {"type": "trace", "peer": "b", "subject": SOURCE},
                       expect=403).json()
    assert "nothing was sent" in refused["error"]["message"]
    assert b.exchanges() == [] and c.exchanges() == []

    # Addressed to B: B may read it, but C may not, so B does not pass it on and says so.
    _, shared = open_case(a, "red", recipients=["peer-b"])
    exchange = ana.call("POST", f"/cases/{shared['id']}/rid", {"type": "trace", "peer": "b", "subject": SOURCE},
                        expect=201).json()
    assert exchange["state"] == "denied", exchange
    assert "does not let node-b.example pass it on" in exchange["outcome"]
    assert c.exchanges() == [], "nothing reached C"
    [at_b] = b.exchanges()
    assert at_b["state"] == "denied" and at_b["downstream"] is None


def rid_message(msg_type: str, incident: str = "INC-1") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<RID xmlns="{RID_NS}" xmlns:iodef="urn:ietf:params:xml:ns:iodef-1.0" lang="en">
  <RIDPolicy MsgType="{msg_type}" MsgDestination="RIDSystem">
    <PolicyRegion region="PeerToPeer"/>
    <iodef:Node><iodef:NodeName>localhost</iodef:NodeName></iodef:Node>
    <TrafficType type="Attack"/>
    <iodef:IncidentID name="csirt.example">{incident}</iodef:IncidentID>
  </RIDPolicy>
</RID>
""".encode()


def test_listener_refuses_who_is_not_a_peer_and_what_a_peer_may_not_send(network):
    a, b, c, certs = network
    url = b.endpoint
    ca = str(certs / "ca.pem")

    def post(cert: tuple[str, str] | None, body: bytes = rid_message("Query")) -> requests.Response:
        return requests.post(url, data=body, headers={"Content-Type": "text/xml"}, cert=cert, verify=ca, timeout=30)

    # No client certificate, or one from another CA: the TLS handshake fails.
    for cert in (None, (str(certs / "rogue.pem"), str(certs / "rogue.key"))):
        with pytest.raises(requests.exceptions.RequestException):
            post(cert)
    # A certificate of the right CA that no peer has: 403.
    stranger = post((str(certs / "stranger.pem"), str(certs / "stranger.key")))
    assert stranger.status_code == 403 and "no RID peer" in stranger.text
    # A's certificate, but B takes no Query from A: 403.
    a_cert = (str(certs / "a.pem"), str(certs / "a.key"))
    assert post(a_cert).status_code == 403
    # C may send a Query: an incident it may not read is denied, saying nothing of whether it exists.
    c_cert = (str(certs / "c.pem"), str(certs / "c.key"))
    answer = post(c_cert)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(answer.content)
    status = root.find(f"{{{RID_NS}}}RequestStatus")
    assert root.find(f"{{{RID_NS}}}RIDPolicy").get("MsgType") == "Acknowledgement"
    assert status is not None and status.get("AuthorizationStatus") == "Denied"
    # Malformed: 400 with the line and column; a DOCTYPE is refused before anything is read.
    bad = post(c_cert, b"<RID xmlns='" + RID_NS.encode() + b"' lang='en'><RIDPolicy/></RID>")
    assert bad.status_code == 400 and "line 1" in bad.text
    hostile = post(c_cert, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><RID/>')
    assert hostile.status_code == 400 and "DOCTYPE" in hostile.text.upper()
    # GET / answers 204 (RFC 6546); other paths 404.
    assert requests.get(url, cert=c_cert, verify=ca, timeout=30).status_code == 204
    assert requests.post(url + "other", data=rid_message("Report"), cert=c_cert, verify=ca, timeout=30).status_code == 404
    audit = b.cli("audit", "list", "--action", "rid.refused")
    assert "no RID peer" in audit and "does not take Query messages from peer a" in audit
