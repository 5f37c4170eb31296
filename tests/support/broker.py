"""A tap on an exchange for tests: an exclusive queue that collects every message."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pika

from tests.support.stack import AMQP_URL


class Tap:
    """Binds a server-named exclusive queue to ``exchange`` and reads what arrives."""

    def __init__(self, exchange: str, durable: bool = False) -> None:
        """``durable`` keeps a named queue that survives closed connections (deleted on close)."""
        self.exchange = exchange
        self.durable_name = f"tap.{uuid.uuid4().hex[:12]}" if durable else None
        self.messages: list[tuple[pika.BasicProperties, bytes]] = []
        self.received_at: list[float] = []  # time.time() at which each message was read
        self._connect()

    def _connect(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(self.exchange, exchange_type="fanout", durable=True)
        if self.durable_name:
            self.queue = self.channel.queue_declare(self.durable_name, durable=True).method.queue
        else:
            self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, self.exchange)

    def _get(self) -> tuple[Any, Any, Any]:
        try:
            return self.channel.basic_get(self.queue, auto_ack=True)
        except pika.exceptions.AMQPError:
            if not self.durable_name:
                raise
            time.sleep(0.2)
            self._connect()
            return None, None, None

    def _sleep(self) -> None:
        try:
            self.connection.sleep(0.05)
        except pika.exceptions.AMQPError:
            time.sleep(0.05)

    def drain(self, count: int, timeout: float = 30.0) -> list[tuple[pika.BasicProperties, bytes]]:
        """Wait until ``count`` messages arrived in total (or ``timeout``); return all so far."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            method, props, body = self._get()
            if method is None:
                self._sleep()
                continue
            self.messages.append((props, body))
            self.received_at.append(time.time())
        return self.messages

    def drain_positions(self, wanted: set[int], timeout: float = 60.0) -> bool:
        """Read until every position in ``wanted`` arrived (redeliveries may repeat some);
        ``False`` if ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        while not wanted <= set(self.positions()):
            if time.monotonic() > deadline:
                return False
            self.drain(len(self.messages) + 1, timeout=0.5)
        return True

    def settle(self, quiet: float = 1.0) -> list[tuple[pika.BasicProperties, bytes]]:
        """Read until nothing arrives for ``quiet`` seconds."""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            method, props, body = self._get()
            if method is None:
                self._sleep()
                continue
            self.messages.append((props, body))
            self.received_at.append(time.time())
            last = time.monotonic()
        return self.messages

    def envelopes(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.messages]

    def positions(self) -> list[int]:
        return [e["position"] for e in self.envelopes()]

    def close(self) -> None:
        if not self.connection.is_open:
            self._connect()
        if self.durable_name:
            self.channel.queue_delete(self.durable_name)
        self.connection.close()
