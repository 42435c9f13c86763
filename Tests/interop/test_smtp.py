"""The SMTP client (`SMTPTransport`, driven by `cybex notify test-mail`) against aiosmtpd, a real
SMTP server, and against small hostile servers.

aiosmtpd runs on a free loopback port: in plain text, requiring STARTTLS with a self-signed
certificate made here by `openssl req -x509`, with implicit TLS, and requiring AUTH over TLS. Each
test asserts what the server received (envelope, headers, body, attachment bytes, whether the
session had TLS and who authenticated) or, for a refusal, that the command exits 1 with the
server's reply and that no message was delivered. The hostile servers are raw sockets that send a
line without end, endless continuation lines, nothing at all, or a reply injected after the reply
to STARTTLS: the client must fail in bounded time and memory.
"""
from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import cli, cli_ok, free_port

USER = "cybex-relay"
PASSWORD = "s3cret pass:word"


class Recorder:
    """aiosmtpd handler: refuses the recipients in `refuse`, records each delivered message."""

    def __init__(self) -> None:
        self.refuse: set[str] = set()
        self.messages: list[dict] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "content": envelope.original_content,
            "tls": session.ssl is not None,
            "authenticated": session.authenticated,
            "auth_data": session.auth_data,
        })
        return "250 2.0.0 Ok: queued as CYBEX1"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def make_certificate(folder: Path, name: str, san: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("smtp-certs")
    return {
        "loopback": make_certificate(folder, "localhost", "DNS:localhost,IP:127.0.0.1"),
        "other": make_certificate(folder, "mail.example.net", "DNS:mail.example.net"),
    }


def server_context(cert_key: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_key[0]), str(cert_key[1]))
    return context


class Relay:
    """An aiosmtpd Controller on a free loopback port with a Recorder."""

    def __init__(self, **kwargs) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port,
                                     server_hostname="relay.test", **kwargs)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def relays():
    started: list[Relay] = []

    def start(**kwargs) -> Relay:
        relay = Relay(**kwargs)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


def test_mail(port: int, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return cli(["notify", "test-mail", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), *args], None,
               stdin=stdin, timeout=timeout)


test_mail.__test__ = False  # a helper, not a test


def message_of(recorded: dict) -> email.message.EmailMessage:
    return email.message_from_bytes(recorded["content"], policy=email.policy.default)


# ---------------------------------------------------------------------------- aiosmtpd
def test_plain_relay_receives_envelope_headers_body_and_attachment(relays, tmp_path):
    relay = relays()
    attachment = bytes(range(256)) * 40 + b"\r\n.\r\nend"
    (tmp_path / "digest.bin").write_bytes(attachment)
    subject = "Digest für CERT — 3 neue Indikatoren, Übersicht der Woche mit sehr langem Betreff zur Faltung"
    text = "Hello,\n.\n..starts with dots\nLine with trailing space \n" + "long line " * 30 + "\nÜmlaut ✓"
    r = test_mail(relay.port, "--smtp-security", "none", "--from", "cybex@cert.example.org",
                  "--to", "soc@example.org", "--to", "noc@example.net", "--subject", subject, "--text", text,
                  "--attach", str(tmp_path / "digest.bin"), "--helo-name", "cybex.test")
    assert r.returncode == 0, r.stderr
    assert "tls\tnone" in r.stdout and "reply\t250 2.0.0 Ok: queued as CYBEX1" in r.stdout

    [got] = relay.recorder.messages
    assert got["mail_from"] == "cybex@cert.example.org"
    assert got["rcpt_tos"] == ["soc@example.org", "noc@example.net"]
    assert not got["tls"]
    raw = got["content"]
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")), "a line longer than 78 characters"
    assert all(byte < 128 for byte in raw), "the message is not 7-bit"

    message = message_of(got)
    assert message["From"] == "cybex@cert.example.org"
    assert [a.addr_spec for a in message["To"].addresses] == ["soc@example.org", "noc@example.net"]
    assert message["Subject"] == subject
    assert message["MIME-Version"] == "1.0"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@cert.example.org>")
    assert message["Message-ID"] in r.stdout
    assert abs(parsedate_to_datetime(message["Date"]).timestamp() - time.time()) < 300
    assert message.get_content_type() == "multipart/mixed"
    body, part = list(message.iter_parts())
    assert body.get_content_type() == "text/plain" and body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == text
    assert part.get_filename() == "digest.bin"
    assert part.get_content_disposition() == "attachment"
    assert part["Content-Transfer-Encoding"] == "base64"
    assert part.get_payload(decode=True) == attachment


def test_starttls_required_with_self_signed_certificate(relays, certs):
    relay = relays(tls_context=server_context(certs["loopback"]), require_starttls=True)
    r = test_mail(relay.port, "--smtp-security", "starttls", "--trust-pem", str(certs["loopback"][0]),
                  "--from", "cybex@cert.example.org", "--to", "soc@example.org", "--verbose")
    assert r.returncode == 0, r.stderr
    assert "tls\tSTARTTLS" in r.stdout
    assert "C: STARTTLS" in r.stderr and "S: 220" in r.stderr
    [got] = relay.recorder.messages
    assert got["tls"], "aiosmtpd's session has no TLS"
    assert message_of(got)["Subject"] == "Cybex relay test"


def test_starttls_refuses_untrusted_or_misnamed_certificates(relays, certs):
    relay = relays(tls_context=server_context(certs["loopback"]), require_starttls=True)
    untrusted = test_mail(relay.port, "--from", "cybex@cert.example.org", "--to", "soc@example.org")
    assert untrusted.returncode == 1
    assert "TLS" in untrusted.stderr and "certificate" in untrusted.stderr.lower(), untrusted.stderr

    misnamed = relays(tls_context=server_context(certs["other"]), require_starttls=True)
    r = test_mail(misnamed.port, "--trust-pem", str(certs["other"][0]),
                  "--from", "cybex@cert.example.org", "--to", "soc@example.org")
    assert r.returncode == 1
    assert "TLS" in r.stderr, r.stderr
    assert relay.recorder.messages == [] and misnamed.recorder.messages == []


def test_starttls_required_but_not_offered_sends_nothing(relays):
    relay = relays()
    r = test_mail(relay.port, "--smtp-security", "starttls", "--from", "cybex@cert.example.org", "--to", "soc@example.org")
    assert r.returncode == 1
    assert "does not offer STARTTLS" in r.stderr
    assert relay.recorder.messages == []

    # Opportunistic: the same relay takes the message in plain text.
    r = test_mail(relay.port, "--smtp-security", "starttls-if-offered",
                  "--from", "cybex@cert.example.org", "--to", "soc@example.org")
    assert r.returncode == 0, r.stderr
    assert "tls\tnone" in r.stdout


def test_implicit_tls(relays, certs):
    relay = relays(ssl_context=server_context(certs["loopback"]))
    r = test_mail(relay.port, "--smtp-security", "tls", "--trust-pem", str(certs["loopback"][0]),
                  "--from", "cybex@cert.example.org", "--to", "soc@example.org")
    assert r.returncode == 0, r.stderr
    assert "tls\timplicit TLS" in r.stdout
    [got] = relay.recorder.messages
    assert got["rcpt_tos"] == ["soc@example.org"]


def test_auth_required_over_starttls(relays, certs):
    relay = relays(tls_context=server_context(certs["loopback"]), require_starttls=True, auth_required=True,
                   authenticator=authenticator)
    args = ["--trust-pem", str(certs["loopback"][0]), "--from", "cybex@cert.example.org", "--to", "soc@example.org"]

    anonymous = test_mail(relay.port, *args)
    assert anonymous.returncode == 1
    assert "530" in anonymous.stderr, anonymous.stderr

    wrong = test_mail(relay.port, *args, "--smtp-user", USER, "--smtp-password-stdin", stdin="wrong\n")
    assert wrong.returncode == 1
    assert "535" in wrong.stderr and "AUTH PLAIN" in wrong.stderr and "wrong" not in wrong.stderr

    r = test_mail(relay.port, *args, "--smtp-user", USER, "--smtp-password-stdin", "--verbose",
                  stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "auth\tPLAIN" in r.stdout
    assert PASSWORD not in r.stderr and "AHN" not in r.stderr  # neither the password nor its base64
    [got] = relay.recorder.messages
    assert got["tls"] and got["authenticated"] and got["auth_data"] == USER.encode()


def test_auth_login_when_plain_is_not_offered(relays, certs):
    relay = relays(tls_context=server_context(certs["loopback"]), require_starttls=True, auth_required=True,
                   authenticator=authenticator, auth_exclude_mechanism=["PLAIN"])
    r = test_mail(relay.port, "--trust-pem", str(certs["loopback"][0]), "--from", "cybex@cert.example.org",
                  "--to", "soc@example.org", "--smtp-user", USER, "--smtp-password-stdin", "--verbose",
                  stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert "auth\tLOGIN" in r.stdout
    assert "C: AUTH LOGIN (password)" in r.stderr and PASSWORD not in r.stderr
    [got] = relay.recorder.messages
    assert got["authenticated"] and got["auth_data"] == USER.encode()


def test_no_auth_without_tls_unless_allowed(relays):
    relay = relays(auth_require_tls=False, authenticator=authenticator)
    args = ["--smtp-security", "none", "--from", "cybex@cert.example.org", "--to", "soc@example.org",
            "--smtp-user", USER, "--smtp-password-stdin"]
    r = test_mail(relay.port, *args, stdin=PASSWORD + "\n")
    assert r.returncode == 1
    assert "no TLS" in r.stderr
    assert relay.recorder.messages == []

    r = test_mail(relay.port, *args, "--smtp-allow-auth-without-tls", stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    [got] = relay.recorder.messages
    assert got["authenticated"]


def test_refused_recipient_fails_with_the_servers_reply(relays):
    relay = relays()
    relay.recorder.refuse.add("ghost@example.org")
    r = test_mail(relay.port, "--smtp-security", "none", "--from", "cybex@cert.example.org",
                  "--to", "soc@example.org", "--to", "ghost@example.org")
    assert r.returncode == 1
    assert "RCPT TO:<ghost@example.org>" in r.stderr
    assert "550 5.1.1 <ghost@example.org>: Recipient address rejected: no such mailbox" in r.stderr
    assert r.stdout == ""
    assert relay.recorder.messages == []


def test_usage_errors_exit_2(relays, tmp_path):
    relay = relays()
    for args in (["--from", "not-an-address", "--to", "soc@example.org"],
                 ["--from", "cybex@cert.example.org", "--to", "soc@example.org>\nBcc: x@example.org"],
                 ["--from", "cybex@cert.example.org", "--to", "soc@example.org", "--subject", "a\r\nBcc: x@evil.test"],
                 ["--from", "cybex@cert.example.org", "--to", "soc@example.org", "--smtp-user", USER],
                 ["--from", "cybex@cert.example.org", "--to", "soc@example.org", "--attach", str(tmp_path / "nope")],
                 ["--from", "cybex@cert.example.org", "--to", "soc@example.org", "--trust-pem", str(tmp_path / "nope")]):
        r = test_mail(relay.port, "--smtp-security", "none", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("cybex: error: "), r.stderr
    assert relay.recorder.messages == []


def test_unreachable_relay_exits_1():
    r = test_mail(free_port(), "--smtp-security", "none", "--from", "cybex@cert.example.org", "--to", "soc@example.org")
    assert r.returncode == 1
    assert "cannot connect" in r.stderr


# ---------------------------------------------------------------------------- hostile servers
class RawServer:
    """A loopback TCP server that runs `script(connection)` for one client."""

    def __init__(self, script) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.received = b""
        self.stop = threading.Event()

        def serve() -> None:
            connection, _ = self.sock.accept()
            connection.settimeout(1)
            try:
                script(self, connection)
            except OSError:
                pass
            finally:
                connection.close()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def read_line(self, connection: socket.socket) -> bytes:
        while b"\r\n" not in self.received:
            chunk = connection.recv(4096)
            if not chunk:
                raise OSError("closed")
            self.received += chunk
        line, self.received = self.received.split(b"\r\n", 1)
        return line

    def flood(self, connection: socket.socket, chunk: bytes, limit: int = 64 << 20) -> None:
        while self.sent < limit and not self.stop.is_set():
            connection.sendall(chunk)
            self.sent += len(chunk)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(10)


@pytest.mark.parametrize("flood", [b"220 " + b"x" * 4096, b"220-more\r\n" * 400], ids=["endless-line", "endless-reply"])
def test_hostile_greeting_fails_fast_and_bounded(flood):
    def script(server: RawServer, connection: socket.socket) -> None:
        connection.sendall(flood[:4])
        server.flood(connection, flood[4:] if flood.startswith(b"220 ") else flood)

    server = RawServer(script)
    try:
        started = time.monotonic()
        r = test_mail(server.port, "--smtp-security", "none", "--from", "a@example.org", "--to", "b@example.org",
                      "--timeout-seconds", "20", timeout=60)
        assert r.returncode == 1
        assert "longer than 1024 bytes" in r.stderr or "more than 128 lines" in r.stderr, r.stderr
        assert time.monotonic() - started < 15
        assert server.sent < 16 << 20, "the client kept reading"
    finally:
        server.close()


def test_silent_server_times_out():
    server = RawServer(lambda s, c: s.stop.wait(30))
    try:
        started = time.monotonic()
        r = test_mail(server.port, "--smtp-security", "none", "--from", "a@example.org", "--to", "b@example.org",
                      "--timeout-seconds", "2")
        assert r.returncode == 1
        assert "no reply within" in r.stderr and "greeting" in r.stderr, r.stderr
        assert time.monotonic() - started < 20
    finally:
        server.close()


def test_reply_injected_after_starttls_is_refused():
    def script(server: RawServer, connection: socket.socket) -> None:
        connection.sendall(b"220 relay.test ESMTP\r\n")
        server.read_line(connection)
        connection.sendall(b"250-relay.test\r\n250 STARTTLS\r\n")
        assert server.read_line(connection) == b"STARTTLS"
        connection.sendall(b"220 go ahead\r\n250-relay.test\r\n250 AUTH PLAIN\r\n")
        server.stop.wait(10)

    server = RawServer(script)
    try:
        r = test_mail(server.port, "--from", "a@example.org", "--to", "b@example.org", "--timeout-seconds", "10")
        assert r.returncode == 1
        assert "more data after its reply to STARTTLS" in r.stderr, r.stderr
    finally:
        server.close()
