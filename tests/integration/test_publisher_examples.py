"""examples/node-publisher (amqplib + ajv) and examples/python-publisher (pika + jsonschema).

Each publishes a custom event to a ``public:`` channel that a client receives (for Node, the
client package clients/js through the example's ``follow.js``), and shows the refusal of an
invalid one: the schema names the problem, and once published anyway the gateway's drop
counter rises and its log names the message id and the reason.
"""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from typing import Any

import pytest

from tests.support.gateway import GatewayClient
from tests.support.stack import AMQP_URL, PYTHON, REPO, Stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

EXAMPLES = REPO / "examples"
COMMANDS = {
    "node": (["node", "publish.js"], EXAMPLES / "node-publisher"),
    "python": ([PYTHON, "publish.py"], EXAMPLES / "python-publisher"),
}


@pytest.fixture
def publisher_stack(stack: Stack) -> Stack:
    assert (EXAMPLES / "node-publisher" / "node_modules" / "amqplib").is_dir(), "make js-deps"
    stack.start("api")
    stack.start("gateway")
    return stack


def publish(stack: Stack, kind: str, *args: str) -> list[dict[str, Any]]:
    argv, cwd = COMMANDS[kind]
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "AMQP_URL": AMQP_URL,
        "EVENTS_EXCHANGE": stack.exchange,
        "GATEWAY_URL": stack.url("gateway"),
    }
    result = subprocess.run(
        [*argv, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


class NodeFollower:
    """examples/node-publisher/follow.js: the client package following one channel."""

    def __init__(self, gateway_url: str, channel: str) -> None:
        self.lines: list[dict[str, Any]] = []
        self.proc = subprocess.Popen(
            ["node", "follow.js", channel, "1"],
            cwd=EXAMPLES / "node-publisher",
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "GATEWAY_URL": gateway_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def events(self) -> list[dict[str, Any]]:
        return [line["event"] for line in list(self.lines) if line["kind"] == "event"]

    def ready(self) -> bool:
        return any(line["kind"] == "ready" for line in list(self.lines))


@pytest.mark.parametrize("kind", ["node", "python"])
def test_publisher_example_reaches_a_client(publisher_stack, kind):
    channel = f"public:example-{kind}-{uuid.uuid4().hex[:8]}"
    if kind == "node":
        follower = NodeFollower(publisher_stack.url("gateway"), channel)
        wait_for(lambda: follower.ready() or follower.proc.poll() is not None, what="follow.js")
        assert follower.ready(), follower.proc.stderr.read() if follower.proc.stderr else ""
        received = follower.events
    else:
        client = GatewayClient().connect(publisher_stack.url("gateway"))
        assert client.subscribe(channel)["ok"]
        received = lambda: client.of_channel(channel)  # noqa: E731
    lines = publish(publisher_stack, kind, channel)
    assert [line["kind"] for line in lines] == ["validated", "published"]
    assert lines[0]["valid"] is True and lines[0]["errors"] == []
    event_id = lines[1]["id"]
    wait_for(lambda: any(e["id"] == event_id for e in received()), what="the event at the client")
    [event] = [e for e in received() if e["id"] == event_id]
    assert event["type"] == "AnnouncementPosted" and "position" not in event
    assert event["metadata"]["source"] == f"{kind}-publisher"
    assert event["channels"] == [channel]


@pytest.mark.parametrize("kind", ["node", "python"])
def test_publisher_example_shows_the_refusal(publisher_stack, kind):
    lines = publish(publisher_stack, kind, "public:ignored", "--invalid")
    assert [line["kind"] for line in lines] == ["validated", "published", "refused"]
    validated, _published, refused = lines
    assert validated["valid"] is False
    assert any("/channels/0" in error for error in validated["errors"]), validated
    assert refused["after"] == refused["before"] + 1, refused
    log = publisher_stack.procs["gateway"].log_text()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    [entry] = [e for e in entries if e.get("message_id") == refused["id"]]
    assert entry["msg"] == "message refused"
    assert entry["reason"] == "not_from_store"
