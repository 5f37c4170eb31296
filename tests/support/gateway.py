"""Helpers for the gateway's integration tests (no tests here).

``GatewayClient`` wraps the python-socketio client: it records every ``event`` it receives,
keeps the highest position seen per channel, and can resume on any gateway with ``since``.
The API is driven with :class:`tests.support.api.ApiClient`; ``publish`` puts raw envelopes on the stack's
exchange, as another service would.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import engineio
import pika
import socketio

from tests.support.api import ApiClient
from tests.support.stack import AMQP_URL, TEST_REALTIME_SECRET
from tests.support.waiting import WAIT, wait_for

# -- the gateway ---------------------------------------------------------------------------


class _InOrderEngineClient(engineio.Client):  # type: ignore[misc]
    """python-engineio's client runs each message's handler in a thread of its own
    (``_trigger_event(..., run_async=True)`` in ``_receive_packet``), so two events could be
    recorded in another order than the server sent them (the fault suite saw a polling
    payload's events recorded out of order). Here the read loop handles each message itself,
    in arrival order; the handlers only record, so nothing waits on them."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):  # type: ignore[misc]
    """A python-socketio client whose handlers see packets in the order they arrived."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InOrderEngineClient


class GatewayClient:
    """A python-socketio client that records events and resumes with ``since``."""

    def __init__(self, token: str | None = None, transports: list[str] | None = None) -> None:
        self.token = token
        self.transports = transports or ["websocket"]
        self.events: list[dict[str, Any]] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.positions: dict[str, int] = {}
        self.received_at: dict[str, float] = {}
        self.lock = threading.Lock()
        self.sio = self._new_client()

    def _new_client(self) -> socketio.Client:
        sio = InOrderClient(reconnection=False)
        sio.on("event", self._on_event)
        sio.on("disconnecting", lambda data: self.notices.append(("disconnecting", data)))
        sio.on("unsubscribed", lambda data: self.notices.append(("unsubscribed", data)))
        return sio

    def _on_event(self, envelope: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(envelope)
            self.received_at[envelope["id"]] = time.monotonic()
            position = envelope.get("position")
            if isinstance(position, int):
                for channel in envelope["channels"]:
                    if channel in self.positions:
                        self.positions[channel] = max(self.positions[channel], position)

    def connect(self, url: str) -> GatewayClient:
        auth = {"token": self.token} if self.token else None
        self.sio.connect(url, auth=auth, transports=self.transports, wait_timeout=30)
        return self

    def reconnect(self, url: str) -> GatewayClient:
        """A fresh connection (to any gateway), resubscribing every channel with ``since``."""
        self.close()
        self.sio = self._new_client()
        self.connect(url)
        for channel, position in list(self.positions.items()):
            ack = self.subscribe(channel, since=position)
            assert ack["ok"], ack
        return self

    def subscribe(self, channel: str, since: int | None = None, **extra: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"channel": channel, **extra}
        if since is not None:
            payload["since"] = since
        ack = self.sio.call("subscribe", payload, timeout=WAIT)
        if ack.get("ok"):
            with self.lock:
                self.positions[channel] = max(self.positions.get(channel, 0), ack["position"])
        return ack

    def unsubscribe(self, channel: str) -> dict[str, Any]:
        with self.lock:
            self.positions.pop(channel, None)
        return self.sio.call("unsubscribe", {"channel": channel}, timeout=WAIT)

    def of_channel(self, channel: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if channel in e["channels"]]

    def ids(self) -> list[str]:
        with self.lock:
            return [e["id"] for e in self.events]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone is fine
            self.sio.disconnect()


def assert_once_in_order(events: list[dict[str, Any]]) -> None:
    """Each id once, and store events in ascending position."""
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)), "an event arrived twice"
    positions = [e["position"] for e in events if "position" in e]
    assert positions == sorted(positions), f"out of order: {positions}"


def metrics(gateway_url: str) -> dict[str, float]:
    """The gateway's /metrics as ``{'name{labels}': value}``."""
    with urllib.request.urlopen(gateway_url + "/metrics", timeout=10) as resp:  # noqa: S310
        text = resp.read().decode()
    values = {}
    for line in text.splitlines():
        match = re.match(r"^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", line)
        if match:
            values[match.group(1)] = float(match.group(2))
    return values


# -- the broker ----------------------------------------------------------------------------


def service_envelope(channel: str, data: Any = None, **overrides: Any) -> dict[str, Any]:
    """An envelope as another service would publish it (no position)."""
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "NewsPublished",
        "schema_version": 1,
        "stream": f"news-{uuid.uuid4()}",
        "version": 1,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "channels": [channel],
        "data": data if data is not None else {"headline": "hello"},
        "metadata": {"source": "news-service"},
    }
    envelope.update(overrides)
    return envelope


class Publisher:
    """Publishes raw bodies to the stack's exchange."""

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange, exchange_type="fanout", durable=True)
        self.channel.confirm_delivery()

    def publish(self, envelope: dict[str, Any] | bytes) -> None:
        body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
        self.channel.basic_publish(
            self.exchange,
            "",
            body,
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()


def close_all_broker_connections() -> None:
    """``rabbitmqctl close_all_connections``: every AMQP connection on the broker drops."""
    subprocess.run(
        ["rabbitmqctl", "close_all_connections", "test: broker loss"],
        capture_output=True,
        check=True,
    )


def realtime_token(
    user_id: str,
    channels: list[str],
    position: int = 0,
    ttl: int = 600,
    secret: str = TEST_REALTIME_SECRET,
    username: str | None = None,
) -> str:
    from todo_shared.tokens import issue_token

    return issue_token(
        secret, user_id=user_id, channels=channels, position=position, ttl=ttl, username=username
    )[0]


def store_events(api: ApiClient, channel: str, after: int = 0) -> list[dict[str, Any]]:
    """Every store event of ``channel`` after ``after``, from the API, in position order."""
    events: list[dict[str, Any]] = []
    while True:
        page = api.call("GET", f"/api/events?channel={channel}&after={after}&limit=1000")
        events.extend(page["events"])
        if page["last_position"] <= after:
            return events
        after = page["last_position"]


class CommandFlow:
    """Adds todos to some lists from a background thread until stopped."""

    def __init__(self, api: ApiClient, list_ids: list[str], pause: float = 0.02) -> None:
        self.api = api
        self.list_ids = list_ids
        self.pause = pause
        self.count = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[BaseException] = []

    def __enter__(self) -> CommandFlow:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self.stopped.is_set():
                list_id = self.list_ids[self.count % len(self.list_ids)]
                self.api.add_todo(list_id, f"flow {self.count}")
                self.count += 1
                time.sleep(self.pause)
        except BaseException as exc:  # surfaced by __exit__
            self.errors.append(exc)

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(60)
        assert not self.errors, self.errors


def assert_complete(client: GatewayClient, api: ApiClient, channel: str, since: int) -> None:
    """The client got exactly the store events of ``channel`` after ``since``, in order."""
    expected = [e["id"] for e in store_events(api, channel, since)]
    wait_for(
        lambda: len(client.of_channel(channel)) >= len(expected),
        what=f"{len(expected)} events of {channel}",
    )
    got = client.of_channel(channel)
    assert_once_in_order(got)
    assert [e["id"] for e in got] == expected
