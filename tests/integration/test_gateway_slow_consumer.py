"""A client that stops reading is disconnected as ``slow_consumer``; others carry on.

Only the gateway and the broker are involved: the flood goes to a ``public:`` channel, as
another service would publish it.
"""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
import websocket

from tests.support.gateway import (
    GatewayClient,
    Publisher,
    metrics,
    service_envelope,
    wait_for,
)

pytestmark = pytest.mark.integration

QUEUE_LIMIT = 300
FLOOD = 1500
CHANNEL = "public:flood"


class StalledClient:
    """A raw Engine.IO/Socket.IO v5 websocket client that subscribes, then stops reading."""

    def __init__(self, gateway_url: str) -> None:
        host = urlsplit(gateway_url).netloc
        self.ws = websocket.create_connection(
            f"ws://{host}/socket.io/?EIO=4&transport=websocket",
            timeout=30,
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),),
        )
        assert self.ws.recv().startswith("0")  # engine.io open
        self.ws.send("40")  # socket.io connect to "/", anonymously
        assert self.ws.recv().startswith("40")
        self.ws.send("420" + json.dumps(["subscribe", {"channel": CHANNEL}]))
        ack = self.ws.recv()
        assert ack.startswith("430") and json.loads(ack[3:])[0]["ok"] is True

    def read_until_closed(self) -> list[str]:
        """Resume reading: everything the gateway still sends, up to its close."""
        frames = []
        while True:
            try:
                frame = self.ws.recv()
            except (websocket.WebSocketConnectionClosedException, OSError):
                return frames
            if not frame:
                return frames
            frames.append(frame)


def test_a_client_that_stops_reading_is_dropped_while_others_are_not_delayed(stack):
    gateway = stack.start("gateway", env={"GATEWAY_CLIENT_QUEUE_LIMIT": str(QUEUE_LIMIT)})
    stalled = StalledClient(gateway.url)
    normal = GatewayClient(None).connect(gateway.url)
    publisher = Publisher(stack.exchange)
    try:
        assert normal.subscribe(CHANNEL)["ok"]
        padding = "x" * 8000  # big events fill the socket buffers quickly
        sent_at = {}
        for n in range(FLOOD):
            envelope = service_envelope(CHANNEL, {"n": n, "padding": padding})
            sent_at[envelope["id"]] = time.monotonic()
            publisher.publish(envelope)
            time.sleep(0.002)  # a steady stream a healthy client keeps up with
        wait_for(
            lambda: metrics(gateway.url).get(
                'gateway_dropped_clients_total{reason="slow_consumer"}'
            ),
            what="the stalled client dropped as slow_consumer",
        )
        wait_for(lambda: len(normal.events) == FLOOD, what="the normal client getting all")
        assert normal.sio.connected
        assert [e["data"]["n"] for e in normal.events] == list(range(FLOOD))
        assert metrics(gateway.url)["gateway_connections"] == 1
        lags = sorted(normal.received_at[i] - sent_at[i] for i in sent_at)
        print(f"normal client lag p50={lags[len(lags) // 2]:.4f}s max={lags[-1]:.4f}s")
        frames = stalled.read_until_closed()
        notices = [json.loads(f[2:]) for f in frames if f.startswith('42["disconnecting"')]
        assert notices and notices[0][1]["code"] == "slow_consumer"
        received = sum(1 for f in frames if f.startswith('42["event"'))
        assert received < FLOOD  # it was cut off, not served everything
        assert '"slow consumer disconnected"' in gateway.log_text()
    finally:
        publisher.close()
        normal.close()
