"""From the broker to the fan-out, filling gaps from the API (CONTRACT.md §5).

The gateway's exclusive queue dies with its connection, so after a reconnect — or when a
store position is skipped — the missing store events are fetched with the service token
and passed on *before* any newer live event. If the API cannot answer, the batch in hand
goes back to the queue (``run_consumer`` nacks it and backs off) and the fill is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pika.adapters.blocking_connection import BlockingChannel
from todo_shared.amqp import Delivery, Topology, run_consumer
from todo_shared.envelope import EnvelopeError, parse_message

from gateway import metrics
from gateway.adapters.events_api import EventsUnavailable
from gateway.application.fanout import Fanout, PositionGap
from gateway.application.ports import EventsSource
from gateway.domain.ordering import StreamCursor

log = logging.getLogger(__name__)


class GapFiller:
    """Fetches store events after the cursor and passes them on in order."""

    def __init__(self, api: EventsSource, fanout: Fanout, cursor: StreamCursor, page: int) -> None:
        self.api = api
        self.fanout = fanout
        self.cursor = cursor
        self.page = page

    def fill(self, trigger: str, until: int | None = None) -> None:
        """Pass on every stored event after the cursor (up to ``until`` when given)."""
        if self.cursor.position is None:
            return
        metrics.GAP_FILLS.labels(trigger).inc()
        start = self.cursor.position
        self.fanout.flush()  # fetching a page yields: nothing may wait in an open burst
        for page in self.api.pages(start, None, self.page):
            for envelope in page.events:
                self.fanout.accept(envelope, origin="api", allow_gap=True)
            self.fanout.flush()
            if until is not None and (self.cursor.position or 0) >= until:
                break
        log.info(
            "gap filled",
            extra={"trigger": trigger, "from": start, "to": self.cursor.position},
        )


class BrokerFeed:
    """Consumes this process's exclusive queue in a green thread; never blocks the hub."""

    def __init__(
        self,
        *,
        amqp_url: str,
        topology: Topology,
        fanout: Fanout,
        filler: GapFiller,
        sleep: Callable[[float], None],
        name: str,
    ) -> None:
        self.amqp_url = amqp_url
        self.topology = topology
        self.fanout = fanout
        self.filler = filler
        self.sleep = sleep
        self.name = name
        self.stopping = False
        self.connected = False
        self.ever_connected = False
        self.needs_fill = False
        self.running = False

    def run(self) -> None:
        """Consume until :meth:`stop`; reconnects with capped backoff."""
        self.running = True
        try:
            self._consume()
        finally:
            self.running = False
            self.connected = False
            metrics.BROKER_CONNECTED.set(0)

    def _consume(self) -> None:
        run_consumer(
            url=self.amqp_url,
            name=self.name,
            setup=self.topology.declare_gateway_queue,
            handle=self._handle,
            should_stop=lambda: self.stopping,
            prefetch=1000,
            max_batch=200,
            idle_timeout=0.5,
            on_connected=self._on_connected,
            on_disconnected=self._on_disconnected,
            on_idle=self._on_idle,
            sleep=self.sleep,
        )

    def stop(self) -> None:
        self.stopping = True

    def _on_connected(self, channel: BlockingChannel) -> None:
        self.connected = self.ever_connected = True
        metrics.BROKER_CONNECTED.set(1)
        # Whatever was published while we had no queue must come from the API.
        self.needs_fill = self.cursor_known()

    def _on_disconnected(self) -> None:
        self.connected = False
        metrics.BROKER_CONNECTED.set(0)
        metrics.BROKER_RECONNECTS.inc()

    def cursor_known(self) -> bool:
        return self.filler.cursor.position is not None

    def _on_idle(self) -> None:
        if self.needs_fill:
            try:
                self._fill_after_reconnect()
            except EventsUnavailable as exc:
                log.warning("gap fill failed; will retry", extra={"error": str(exc)})

    def _fill_after_reconnect(self) -> None:
        self.filler.fill("reconnect")
        self.needs_fill = False

    def _handle(self, channel: BlockingChannel, batch: list[Delivery]) -> None:
        if self.needs_fill:
            self._fill_after_reconnect()  # raises EventsUnavailable: the batch is requeued
        with self.fanout.burst():  # the batch's events go out per client in one write
            for delivery in batch:
                self._pass_on(delivery)

    def _pass_on(self, delivery: Delivery) -> None:
        try:
            envelope = parse_message(delivery.body)
        except EnvelopeError as exc:
            metrics.DROPS.labels(exc.reason).inc()
            log.warning(
                "message refused",
                extra={
                    "reason": exc.reason,
                    "detail": exc.detail[:300],
                    "message_id": delivery.properties.message_id,
                },
            )
            return
        try:
            self.fanout.accept(envelope, origin="broker")
        except PositionGap as gap:
            log.warning("store position skipped", extra={"last": gap.last, "got": gap.arrived})
            self.filler.fill("skipped", until=gap.arrived - 1)
            if (self.filler.cursor.position or 0) < gap.arrived - 1:
                # The store is gap-free and the relay publishes only committed events,
                # so a position the API cannot reach is not a store event: drop it.
                metrics.DROPS.labels("unknown_position").inc()
                log.warning(
                    "message refused",
                    extra={"reason": "unknown_position", "position": gap.arrived},
                )
                return
            self.fanout.accept(envelope, origin="broker", allow_gap=True)
