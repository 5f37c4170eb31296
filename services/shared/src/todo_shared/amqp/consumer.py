"""A consumer loop with manual acks that reconnects forever.

Messages are handed to ``handle`` in batches (up to ``max_batch``, or whatever is waiting);
after ``handle`` returns the whole batch is acked. With ``gather_seconds``, a batch that
would be short is held back until that long after the previous batch was handled, so under a
steady trickle the per-batch cost (a transaction, a few queries) is paid for several messages
rather than for each; a message after a quiet spell, or a deep queue, is never delayed. If
``handle`` raises, the batch is nacked back to the queue and the loop pauses with backoff, so
a failing dependency never becomes a busy loop. The connection is made with :func:`connect_with_backoff`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel

from todo_shared.amqp.connection import CONNECTION_ERRORS, Backoff, connect_with_backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One received message."""

    delivery_tag: int
    body: bytes
    properties: pika.BasicProperties
    redelivered: bool


Setup = Callable[[BlockingChannel], str]
Handle = Callable[[BlockingChannel, list[Delivery]], None]


def run_consumer(
    *,
    url: str,
    name: str,
    setup: Setup,
    handle: Handle,
    should_stop: Callable[[], bool],
    prefetch: int = 200,
    max_batch: int = 100,
    idle_timeout: float = 0.5,
    gather_seconds: float = 0.0,
    on_connected: Callable[[BlockingChannel], None] | None = None,
    on_disconnected: Callable[[], None] | None = None,
    on_idle: Callable[[], None] | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Consume until ``should_stop()``; survives broker restarts and closed connections.

    ``setup`` declares what the consumer needs and returns the queue to read.
    ``on_connected`` runs after setup, before the first message; ``on_disconnected`` after
    a connection is lost (not on a requested stop); ``on_idle`` when no message came for
    ``idle_timeout`` seconds. ``gather_seconds``: see the module docstring.
    """
    backoff = Backoff()
    failures = Backoff(initial=0.5, cap=15.0)
    while not should_stop():
        connection = connect_with_backoff(url, name, should_stop, sleep, backoff)
        if connection is None:
            return
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=prefetch)
            queue = setup(channel)
            if on_connected:
                on_connected(channel)
            batch: list[Delivery] = []
            handled_at = 0.0  # monotonic time the previous batch was handled
            for method, properties, body in channel.consume(
                queue, auto_ack=False, inactivity_timeout=idle_timeout
            ):
                if method is not None:
                    batch.append(
                        Delivery(method.delivery_tag, body, properties, method.redelivered)
                    )
                    if len(batch) < max_batch and _more_waiting(
                        channel, handled_at + gather_seconds
                    ):
                        continue
                if batch:
                    if _handle_batch(channel, batch, handle):
                        failures.reset()
                    else:
                        sleep(failures.next_delay())
                    batch = []
                    handled_at = time.monotonic()
                elif on_idle:
                    on_idle()
                if should_stop():
                    break
            channel.cancel()
            connection.close()
            return
        except CONNECTION_ERRORS as exc:
            log.warning("broker connection lost", extra={"error": repr(exc), "connection": name})
            _close_quietly(connection)
            if on_disconnected:
                on_disconnected()
            sleep(backoff.next_delay())


def _more_waiting(channel: BlockingChannel, gather_until: float) -> bool:
    """Whether more messages wait, after letting them gather until ``gather_until``."""
    if channel.get_waiting_message_count() > 0:
        return True
    wait = gather_until - time.monotonic()
    if wait <= 0:
        return False
    channel.connection.sleep(wait)  # runs the I/O loop: deliveries queue up meanwhile
    return bool(channel.get_waiting_message_count() > 0)


def _handle_batch(channel: BlockingChannel, batch: list[Delivery], handle: Handle) -> bool:
    last = batch[-1].delivery_tag
    try:
        handle(channel, batch)
    except CONNECTION_ERRORS:
        raise
    except Exception:
        log.exception(
            "handling a batch failed; returning it to the queue", extra={"size": len(batch)}
        )
        channel.basic_nack(last, multiple=True, requeue=True)
        return False
    channel.basic_ack(last, multiple=True)
    return True


def _close_quietly(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # noqa: S110 - the connection is already broken; nothing to save
        pass
