"""Connecting to RabbitMQ, with capped exponential backoff between attempts."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

import pika
from pika.adapters.blocking_connection import BlockingConnection
from pika.exceptions import AMQPError

log = logging.getLogger(__name__)

# Errors that mean "the connection or channel is gone, connect again".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (AMQPError, OSError)


class Backoff:
    """Capped exponential backoff with full jitter: ``initial``, doubling up to ``cap``."""

    def __init__(self, initial: float = 0.2, cap: float = 10.0) -> None:
        self.initial = initial
        self.cap = cap
        self.attempt = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.initial * (2**self.attempt))
        self.attempt += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0


def connect(url: str, name: str, heartbeat: int = 30) -> BlockingConnection:
    """Open one blocking connection, named so ``rabbitmqctl list_connections`` shows who."""
    params = pika.URLParameters(url)
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    params.socket_timeout = 5
    params.client_properties = {"connection_name": name}
    return BlockingConnection(params)


def connect_with_backoff(
    url: str,
    name: str,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], object] = time.sleep,
    backoff: Backoff | None = None,
) -> BlockingConnection | None:
    """Connect, retrying forever with backoff; ``None`` only if ``should_stop`` turns true."""
    backoff = backoff or Backoff()
    while not should_stop():
        try:
            connection = connect(url, name)
        except CONNECTION_ERRORS as exc:
            delay = backoff.next_delay()
            log.warning(
                "broker connection failed; retrying",
                extra={"error": repr(exc), "retry_in_s": round(delay, 2), "connection": name},
            )
            sleep(delay)
            continue
        backoff.reset()
        log.info("broker connected", extra={"connection": name})
        return connection
    return None
