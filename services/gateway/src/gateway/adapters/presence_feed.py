"""Presence between gateways over RabbitMQ (CONTRACT.md §6).

Every gateway declares the fanout exchange ``<EVENTS_EXCHANGE>.presence`` and binds its own
exclusive, server-named queue to it. One green thread owns one pika connection (pika is not
thread-safe, so consuming and publishing share it): it reads the others' announcements,
publishes this gateway's own (changes, heartbeats), says ``hello`` after every (re)connect
and ``bye`` when stopping. Messages are transient (``delivery_mode=1``): presence is state,
and the heartbeat repairs whatever a broker restart loses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from todo_shared.amqp import Backoff, connect_with_backoff
from todo_shared.amqp.connection import CONNECTION_ERRORS

from gateway import presence_metrics as metrics
from gateway.application.presence import PresenceService
from gateway.domain.presence_wire import WireError, parse

log = logging.getLogger(__name__)

#: Seconds the loop waits for broker traffic before looking for announcements to send.
POLL = 0.05
PROPERTIES = pika.BasicProperties(content_type="application/json", delivery_mode=1, type="presence")


def presence_exchange(events_exchange: str) -> str:
    return f"{events_exchange}.presence"


def declare_presence_queue(channel: BlockingChannel, events_exchange: str) -> str:
    """The presence exchange (fanout, durable, as in definitions.json) and our own queue."""
    exchange = presence_exchange(events_exchange)
    channel.exchange_declare(exchange, exchange_type="fanout", durable=True)
    result = channel.queue_declare("", exclusive=True, auto_delete=True)
    name: str = result.method.queue
    channel.queue_bind(name, exchange)
    return name


class PresenceFeed:
    """Carries :class:`PresenceService`'s announcements to and from the other gateways."""

    def __init__(
        self,
        *,
        amqp_url: str,
        events_exchange: str,
        presence: PresenceService,
        sleep: Callable[[float], None],
        name: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.amqp_url = amqp_url
        self.events_exchange = events_exchange
        self.exchange = presence_exchange(events_exchange)
        self.presence = presence
        self.sleep = sleep
        self.name = name
        self.clock = clock
        self.stopping = False
        self.running = False

    def stop(self) -> None:
        self.stopping = True

    def run(self) -> None:
        """Until :meth:`stop`: connect (with capped backoff), serve, reconnect when lost."""
        self.running = True
        backoff = Backoff()
        try:
            while not self.stopping:
                connection = connect_with_backoff(
                    self.amqp_url, self.name, lambda: self.stopping, self.sleep, backoff
                )
                if connection is None:
                    return
                try:
                    self._serve(connection)
                except CONNECTION_ERRORS as exc:
                    log.warning("presence connection lost", extra={"error": repr(exc)})
                except Exception:  # a bug must not end presence for good: log, start again
                    log.exception("presence feed failed; reconnecting")
                else:
                    continue
                metrics.FEED_CONNECTED.set(0)
                _close_quietly(connection)
                self.sleep(backoff.next_delay())
        finally:
            self.running = False
            metrics.FEED_CONNECTED.set(0)

    def _serve(self, connection: BlockingConnection) -> None:
        channel = connection.channel()
        queue = declare_presence_queue(channel, self.events_exchange)
        channel.basic_consume(queue, self._on_message, auto_ack=True)
        metrics.FEED_CONNECTED.set(1)
        self._publish(channel, "hello", self.presence.hello())
        while not self.stopping:
            connection.process_data_events(time_limit=POLL)
            self._publish(channel, *self.presence.outgoing(self.clock()))
        self._publish(channel, "bye", self.presence.bye())
        metrics.FEED_CONNECTED.set(0)
        connection.close()

    def _publish(self, channel: BlockingChannel, kind: str, bodies: list[bytes]) -> None:
        for body in bodies:
            channel.basic_publish(self.exchange, "", body, PROPERTIES)
            metrics.ANNOUNCEMENTS_SENT.labels(kind).inc()
            metrics.ANNOUNCEMENT_BYTES_SENT.inc(len(body))

    def _on_message(
        self,
        channel: BlockingChannel,
        method: object,
        properties: pika.BasicProperties,
        body: bytes,
    ) -> None:
        try:
            announcement = parse(body)
        except WireError as exc:
            metrics.ANNOUNCEMENTS_REFUSED.inc()
            log.warning("presence message refused", extra={"reason": str(exc)})
            return
        self.presence.received(announcement, self.clock())


def _close_quietly(connection: BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # noqa: S110 - the connection is already broken; nothing to save
        pass
