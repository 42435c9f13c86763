"""Constituent notification end to end: a real SMTP server (aiosmtpd) and a webhook receiver
started here, `cybex notify channel add` and `cybex notify send`.

Two organisations register 198.51.100.0/24: isp, which reads the Feed collection, and peer, which
does not. cirt posts indicators at TLP:GREEN, TLP:AMBER and TLP:RED (for no one else) inside the
network and one outside it. isp's e-mail channel (up to AMBER) gets one digest with the GREEN and
AMBER indicators, its webhook (up to GREEN) one digest with the GREEN one, signed with HMAC-SHA256
under the key `channel add` printed; peer gets nothing. A webhook that answers 500 is recorded as
failing and retried; the next attempt delivers.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from conftest import cli, cli_ok, free_port

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 Ok"


class Hook:
    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cybex"


@pytest.fixture
def smtp():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, box
    controller.stop()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.server.shutdown()


def indicator(value: str, marking: str) -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": f"C2 {value}",
            "pattern": f"[ipv4-addr:value = '{value}']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
            "object_marking_refs": [marking]}


def post(data: Path, collection: str, objects: list[dict], tmp_path: Path) -> None:
    path = tmp_path / f"{uuid.uuid4()}.json"
    path.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}))
    cli_ok(["import", str(path), "--collection", collection, "--owner", "cirt"], data)


def test_each_constituent_gets_one_digest_of_what_it_may_see(tmp_path: Path, smtp, hook: Hook):
    controller, box = smtp
    data = tmp_path / "node"
    for name in ("cirt", "isp", "peer"):
        cli_ok(["org", "add", name], data)
    for name in ("isp", "peer"):
        (tmp_path / f"{name}.csv").write_text("value\n198.51.100.0/24\n")
        cli_ok(["constituency", "import", str(tmp_path / f"{name}.csv"), "--org", name], data)
    feed = cli_ok(["collection", "add", "Feed", "--read", "cirt", "--read", "isp", "--write", "cirt"], data).strip()
    cli_ok(["notify", "channel", "add", "--org", "isp", "--kind", "email", "--target", "soc@isp.example",
            "--every-seconds", "1"], data)
    added = cli_ok(["notify", "channel", "add", "--org", "isp", "--kind", "webhook", "--target", hook.url,
                    "--max-tlp", "green", "--every-seconds", "1"], data).splitlines()
    webhook_id, secret = added[0], added[1].split("\t")[1]
    cli_ok(["notify", "channel", "add", "--org", "peer", "--kind", "email", "--target", "noc@peer.example",
            "--every-seconds", "1"], data)

    green, amber, red = indicator("198.51.100.7", GREEN), indicator("198.51.100.8", AMBER), indicator("198.51.100.9", RED)
    outside = indicator("203.0.113.1", GREEN)
    post(data, feed, [green, amber, red, outside], tmp_path)
    smtp_args = ["--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port), "--smtp-security", "none",
                 "--mail-from", "cybex@cirt.example"]
    sent = cli_ok(["notify", "send", *smtp_args], data).splitlines()
    assert sorted(line.split("\t")[1] for line in sent) == ["delivered", "delivered", "empty"], sent

    # One e-mail, to isp only, with the GREEN and AMBER indicators attached; nothing else.
    assert len(box.messages) == 1
    mail_from, rcpt_tos, content = box.messages[0]
    assert mail_from == "cybex@cirt.example" and rcpt_tos == ["soc@isp.example"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert "2 new objects" in message["Subject"]
    [attachment] = [part for part in message.iter_attachments()]
    bundle = json.loads(attachment.get_content() if isinstance(attachment.get_content(), str)
                        else attachment.get_content().decode())
    assert {o["id"] for o in bundle["objects"]} == {green["id"], amber["id"]}
    assert red["id"] not in content.decode(errors="replace") and outside["id"] not in content.decode(errors="replace")

    # One webhook POST with the GREEN indicator, signed.
    assert len(hook.received) == 1
    headers, body = hook.received[0]
    expected = hmac.new(secret.encode(), headers["x-cybex-timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["x-cybex-signature"] == "sha256=" + expected
    digest = json.loads(body)
    assert digest["channel"] == webhook_id and [o["id"] for o in digest["bundle"]["objects"]] == [green["id"]]
    assert "notification.send" in cli_ok(["audit", "list", "--action", "notification.send"], data)

    # The receiver fails: the failure is recorded and retried; the e-mail still goes.
    hook.status = 500
    later = indicator("198.51.100.10", GREEN)
    post(data, feed, [later], tmp_path)
    time.sleep(1.2)
    failed = cli(["notify", "send", *smtp_args], data)
    assert failed.returncode != 0, failed.stdout
    channels = {c["id"]: c for c in json.loads(cli_ok(["notify", "channel", "list", "--json"], data))}
    assert channels[webhook_id]["failures"] == 1 and "500" in channels[webhook_id]["error"]
    assert "notification.failed" in cli_ok(["audit", "list", "--action", "notification.failed"], data)
    assert len(box.messages) == 2
    hook.status = 200
    time.sleep(1.2)
    retried = cli_ok(["notify", "send", *smtp_args], data).splitlines()
    assert [line.split("\t")[:3] for line in retried] == [[webhook_id, "delivered", "1"]], retried
    assert [o["id"] for o in json.loads(hook.received[-1][1])["bundle"]["objects"]] == [later["id"]]
    channels = {c["id"]: c for c in json.loads(cli_ok(["notify", "channel", "list", "--json"], data))}
    assert channels[webhook_id]["failures"] == 0 and channels[webhook_id]["deliveries"] == 2
