"""The official JavaScript client (socket.io-client v4, run with node) against the gateway.

Needs ``npm ci`` at the repository root (package.json / package-lock.json).
"""

from __future__ import annotations

import json
import subprocess
import threading
from typing import Any

import pytest

from tests.support.api import ApiClient
from tests.support.gateway import realtime_token, wait_for
from tests.support.stack import REPO, Stack

pytestmark = pytest.mark.integration

SCRIPT = REPO / "tests" / "support" / "js" / "gateway_client.js"


class NodeClient:
    """Runs the JS driver and collects the JSON lines it prints."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.lines: list[dict[str, Any]] = []
        self.proc = subprocess.Popen(
            ["node", str(SCRIPT), json.dumps(options)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [line for line in list(self.lines) if line["kind"] == kind]

    def wait_done(self) -> int:
        code = self.proc.wait(timeout=120)
        self.reader.join(10)
        assert self.proc.stderr is not None
        assert code == 0, f"node exited {code}: {self.proc.stderr.read()[-2000:]} {self.lines}"
        return code


@pytest.fixture
def js_stack(stack: Stack) -> Stack:
    assert (REPO / "node_modules" / "socket.io-client").exists(), "run npm ci first"
    stack.start("api")
    stack.start("relay")
    stack.start("gateway")
    return stack


def test_js_client_sees_refusal_shape(js_stack):
    forged = realtime_token("1", ["user:1"], secret="another-secret-0123456789abcdef0123456789")
    client = NodeClient({"url": js_stack.url("gateway"), "token": forged})
    client.wait_done()
    assert client.kinds("connect_error") == [
        {"kind": "connect_error", "message": "invalid_token", "data": {"code": "invalid_token"}}
    ]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_js_client_subscribes_resumes_and_receives_live_events(js_stack, transport):
    alice = ApiClient(js_stack.url("api"))
    list_id = alice.create_list()["id"]
    channel = f"list:{list_id}"
    missed = [alice.add_todo(list_id, f"missed {n}") for n in range(3)]
    since = missed[0]["position"] - 1
    client = NodeClient(
        {
            "url": js_stack.url("gateway"),
            "token": alice.realtime_token([channel]),
            "transports": [transport],
            "subscribe": [{"channel": channel, "since": since}],
            "expect": 5,
        }
    )
    wait_for(lambda: client.kinds("ready") or client.proc.poll() is not None, what="the ack")
    live = [alice.add_todo(list_id, f"live {n}") for n in range(2)]
    client.wait_done()
    [ack] = [line["ack"] for line in client.kinds("ack")]
    assert ack["ok"] is True and ack["channel"] == channel
    assert ack["position"] >= missed[-1]["position"]
    titles = [line["envelope"]["data"]["title"] for line in client.kinds("event")]
    assert titles == ["missed 0", "missed 1", "missed 2", "live 0", "live 1"]
    positions = [line["envelope"]["position"] for line in client.kinds("event")]
    assert positions == sorted(positions)
    assert [t["position"] for t in missed + live] == positions
    # the ack came after the missed events and before the live ones
    order = [line["kind"] for line in client.lines if line["kind"] in ("ack", "event")]
    assert order == ["event"] * 3 + ["ack"] + ["event"] * 2
