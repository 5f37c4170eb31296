"""The live projection: turn batches of AMQP messages into applied store events.

A message is a *notification* that the store holds an event at its ``position``; the effects
are always computed from the store itself (one read per transaction). So a duplicate or
late message is a no-op, a gap is filled from the store, and a message that claims a
position the store does not have, or whose id differs from the stored event's, is refused.

Refusals go to the dead-letter exchange (confirmed) before the batch is acked. While the
database is down or a rebuild holds the read models, the batch in hand waits (the
connection keeps its heartbeats); on SIGTERM during such a wait it is acked unapplied,
which is safe because every positioned event is in the store and start-up catch-up applies
it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from pika.adapters.blocking_connection import BlockingChannel
from todo_shared.amqp import Backoff, Delivery, Topology, properties_for
from todo_shared.amqp.connection import CONNECTION_ERRORS
from todo_shared.envelope import Envelope, EnvelopeError, encode, parse_message
from todo_shared.eventstore.interface import to_envelope

from projector import metrics
from projector.adapters.dead_letters import DeadLetterer
from projector.application.applier import Applier, ApplyFailed, Paused, Progress
from projector.application.lag import Status, measure_lag

log = logging.getLogger(__name__)


class LiveProjection:
    """Callbacks for ``todo_shared.amqp.run_consumer``: connect, handle, idle, disconnect."""

    def __init__(
        self,
        applier: Applier,
        topology: Topology,
        status: Status,
        should_stop: Callable[[], bool],
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self.applier = applier
        self.topology = topology
        self.status = status
        self.should_stop = should_stop
        self.idle_poll_seconds = idle_poll_seconds
        self.channel: BlockingChannel | None = None
        self.dead_letters: DeadLetterer | None = None
        self.checkpoint = 0
        self._last_poll = 0.0

    # -- run_consumer callbacks ------------------------------------------------------------

    def on_connected(self, channel: BlockingChannel) -> None:
        """Open the dead-letter channel, then catch up with the store before consuming."""
        self.channel = channel
        self.dead_letters = DeadLetterer(
            channel.connection.channel(), self.topology.dead_letter_exchange
        )
        self.status.update(broker_connected=True, state="catching_up")
        metrics.BROKER_CONNECTED.set(1)
        if self._advance(through=None):
            log.info("caught up with the store", extra={"checkpoint": self.checkpoint})
        self.status.update(state="live")
        self._measure(force=True)

    def on_disconnected(self) -> None:
        self.channel = None
        self.dead_letters = None
        self.status.update(broker_connected=False)
        metrics.BROKER_CONNECTED.set(0)
        metrics.BROKER_RECONNECTS.inc()

    def on_idle(self) -> None:
        """Every ``idle_poll_seconds``: measure the lag and apply what the store has beyond.

        This covers messages that never came (a purged queue, a message the broker dropped):
        the read models still reach the store's head.
        """
        if time.monotonic() - self._last_poll < self.idle_poll_seconds:
            return
        self._last_poll = time.monotonic()
        try:
            self._measure(force=True)
            if self.status.head > self.checkpoint:
                self._apply_once(through=None)
        except CONNECTION_ERRORS:
            raise
        except Exception as exc:  # the next poll tries again; never kill the consumer
            log.warning("idle catch-up failed", extra={"error": repr(exc)})
            self.status.update(last_error=repr(exc)[:300])

    def handle(self, channel: BlockingChannel, batch: list[Delivery]) -> None:
        """Refuse poison, apply the store through the highest position, check each message."""
        positioned: list[tuple[Delivery, Envelope]] = []
        for delivery in batch:
            try:
                envelope = parse_message(delivery.body)
            except EnvelopeError as exc:
                self._refuse(delivery, exc.reason, exc.detail)
                continue
            if "position" in envelope:
                positioned.append((delivery, envelope))
            else:  # another service's live-only event: not for the read models
                metrics.MESSAGES.labels(outcome="ignored").inc()
        if not positioned:
            return
        before = self.checkpoint
        target = max(int(env["position"]) for _, env in positioned)
        applied: dict[int, str] = {}
        if not self._advance(through=target, ids=applied):
            return  # stopping; see the module docstring
        if self.checkpoint - before > len({env["position"] for _, env in positioned}):
            metrics.GAP_FILLS.inc()
        self._check_against_store(positioned, before, applied)
        self._measure()

    # -- applying --------------------------------------------------------------------------

    def _advance(self, through: int | None, ids: dict[int, str] | None = None) -> bool:
        """Apply through ``through`` (or the head), waiting out outages; False if stopping.

        ``ids`` gets ``position → event id`` of the events applied meanwhile."""
        backoff = Backoff(initial=0.5, cap=10.0)
        while not self.should_stop():
            if self._apply_once(through, ids):
                return True
            self._sleep(backoff.next_delay() if self.status.state != "paused_for_rebuild" else 1.0)
        return False

    def _apply_once(self, through: int | None, ids: dict[int, str] | None = None) -> bool:
        """One attempt; True when done, False when it should be retried later."""
        try:
            progress = self.applier.advance(through, self.should_stop, self._pump, ids)
        except Paused:
            if self.status.state != "paused_for_rebuild":
                log.info("a rebuild holds the read models; waiting")
            self.status.update(state="paused_for_rebuild")
            metrics.PAUSED.set(1)
            return False
        except self.applier.tables.transient_errors as exc:
            log.warning("database unavailable; retrying", extra={"error": repr(exc)[:300]})
            self.status.update(database_ok=False, last_error=repr(exc)[:300])
            self.applier.tables.reset_connection()
            return False
        except ApplyFailed as exc:
            self.status.update(last_error=str(exc)[:300])
            return False
        self._applied(progress)
        return not self.should_stop()

    def _applied(self, progress: Progress) -> None:
        self.checkpoint = max(self.checkpoint, progress.checkpoint)
        if self.status.state == "paused_for_rebuild":
            log.info("rebuild finished; projecting again")
            self.status.update(state="live")
        metrics.PAUSED.set(0)
        self.status.update(database_ok=True, checkpoint=self.checkpoint, last_error="")
        for skipped in progress.skipped:
            row = self.applier.store.stored_event(skipped.position)
            if row is not None and self.dead_letters is not None:
                envelope = to_envelope(row)
                self.dead_letters.send(
                    encode(envelope), properties_for(envelope), "apply_failed", skipped.error
                )

    def _check_against_store(
        self, positioned: list[tuple[Delivery, Envelope]], before: int, applied: dict[int, str]
    ) -> None:
        """Each message against the store: the events just applied were read from it, so
        only the other positions (duplicates, unknown ones) are looked up."""
        wanted = {int(env["position"]) for _, env in positioned}
        stored = {p: applied[p] for p in wanted if p in applied}
        if len(stored) < len(wanted):
            stored |= self.applier.store.event_ids_at(sorted(wanted - stored.keys()))
        seen: set[int] = set()
        for delivery, envelope in positioned:
            position = int(envelope["position"])
            if position not in stored:
                self._refuse(delivery, "unknown_position", f"the store has no event {position}")
            elif stored[position] != envelope["id"]:
                self._refuse(
                    delivery,
                    "conflicts_with_store",
                    f"event {position} has another id in the store",
                )
            else:
                fresh = position > before and position not in seen
                metrics.MESSAGES.labels(outcome="applied" if fresh else "duplicate").inc()
                seen.add(position)

    def _refuse(self, delivery: Delivery, reason: str, detail: str) -> None:
        metrics.MESSAGES.labels(outcome="dead_lettered").inc()
        if self.dead_letters is None:  # cannot happen inside run_consumer; be loud if it does
            raise RuntimeError("no dead-letter channel")
        self.dead_letters.send(delivery.body, delivery.properties, reason, detail)

    # -- helpers ---------------------------------------------------------------------------

    def _measure(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.status.refreshed_at < 0.25:
            return
        tables = self.applier.tables
        try:
            measure_lag(self.status, self.applier.store, tables)
        except tables.transient_errors as exc:
            self.status.update(database_ok=False, last_error=repr(exc)[:300])
            tables.reset_connection()

    def _pump(self) -> None:
        """Between transactions of a long catch-up: keep the broker connection's heartbeats."""
        if self.channel is not None:
            self.channel.connection.process_data_events(0)

    def _sleep(self, seconds: float) -> None:
        if self.channel is not None:
            self.channel.connection.sleep(seconds)
        else:
            time.sleep(seconds)
