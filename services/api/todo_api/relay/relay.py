"""The outbox relay: publish stored events to the exchange in position order, at least once.

The store is the outbox: a command's events commit with it, and ``relay_checkpoint`` says how
far the broker has confirmed. The loop reads up to ``BATCH`` events after the checkpoint,
publishes them all in position order, waits once for their publisher confirms, then moves the
checkpoint — in memory at once, in the table at most every ``SAVE_EVERY`` seconds and before
the relay goes idle or stops (one write per wake-up was a third of its round trips). If the
relay dies before the table has the latest confirm, those events are published again by the
next holder of the lock (consumers de-duplicate by ``id``); an event is never skipped,
because the checkpoint only moves past confirmed events.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from pika.adapters.blocking_connection import BlockingConnection
from todo_shared.amqp import Backoff, Topology, connect
from todo_shared.amqp.batch_publisher import BatchNacked, BatchPublisher
from todo_shared.amqp.connection import CONNECTION_ERRORS
from todo_shared.amqp.publisher import checked_message
from todo_shared.eventstore.interface import EventRecord, Recorder, to_envelope

from todo_api.relay import metrics
from todo_api.relay.lock import RelayLock
from todo_api.relay.models import RelayCheckpoint

log = logging.getLogger(__name__)
BATCH = 200
DATABASE_ERRORS = (DatabaseError, psycopg.Error)
IDLE_WAIT = 1.0
SAVE_EVERY = 0.25  # seconds: the table's checkpoint trails the confirms by at most this
HOUSEKEEPING_EVERY = 3600.0  # seconds between two runs of the housekeeping task


class Relay:
    """One relay process's loop. ``stop`` (a SIGTERM) ends it after the message in hand."""

    def __init__(
        self,
        amqp_url: str,
        topology: Topology,
        lock: RelayLock,
        recorder: Recorder,
        name: str = "default",
        housekeeping: Callable[[], object] | None = None,
    ):
        self.amqp_url = amqp_url
        self.topology = topology
        self.lock = lock
        self.name = name
        self.recorder = recorder
        self.stop = threading.Event()
        self.role = "starting"
        self.broker: BlockingConnection | None = None
        self.publisher: BatchPublisher | None = None
        self.backoff = Backoff(cap=5.0)
        self.announced_wait = False
        self.checkpoint = 0  # last position confirmed, as last seen by this process
        self.checkpoint_loaded = False  # read from the table once per lock tenure
        self.saved = 0  # the checkpoint as last written to the table
        self.saved_at = 0.0  # monotonic time of that write
        # Periodic database chores (pruning idempotency records), run by the publishing
        # relay only: one process in the deployment does them, at start and then hourly.
        self.housekeeping = housekeeping
        self.housekeeping_due = 0.0

    # -- health ---------------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, Any]]:
        connected = self.broker is not None and self.broker.is_open
        ok = self.role == "standby" or (self.role == "publishing" and connected)
        return ok, {
            "role": self.role,
            "broker": "connected" if connected else "disconnected",
            "checkpoint": self.checkpoint,
        }

    # -- loop -----------------------------------------------------------------------------

    def run(self) -> None:
        self.role = "standby"
        while not self.stop.is_set() and not self._acquire():
            self.stop.wait(1.0)
        try:
            while not self.stop.is_set():
                try:
                    self._housekeep()
                    self._ensure_broker()
                    if not self._publish_batch():
                        # Nothing more: a commit after that read has sent its NOTIFY by
                        # now, so the wait returns at once for it (nothing is missed).
                        self.lock.wait_for_commit(self._idle_wait())
                    self.backoff.reset()
                except CONNECTION_ERRORS as exc:
                    self._broker_lost(exc)
                except DATABASE_ERRORS as exc:
                    log.warning("database unavailable; retrying", extra={"error": repr(exc)})
                    self.checkpoint_loaded = False
                    close_old_connections()
                    connection.close()
                    self._relock()
                    self.stop.wait(self.backoff.next_delay())
        finally:
            self._close()

    def _idle_wait(self) -> float:
        """Save the checkpoint if it is due; how long to wait for the next commit."""
        if self.checkpoint == self.saved:
            return IDLE_WAIT
        due = self.saved_at + SAVE_EVERY - time.monotonic()
        if due > 0:
            return due  # wake then to save it, unless a commit comes first
        self._save_checkpoint()
        return IDLE_WAIT

    def _housekeep(self) -> None:
        if self.housekeeping is None or time.monotonic() < self.housekeeping_due:
            return
        self.housekeeping_due = time.monotonic() + HOUSEKEEPING_EVERY
        try:
            self.housekeeping()
        except DATABASE_ERRORS as exc:
            log.warning("housekeeping failed; next run in an hour", extra={"error": repr(exc)})

    def _acquire(self) -> bool:
        try:
            acquired = self.lock.try_acquire()
        except Exception as exc:
            log.warning("cannot reach the lock; retrying", extra={"error": repr(exc)})
            self.lock.release()
            return False
        if acquired:
            self.checkpoint_loaded = False
            self.role = "publishing"
            metrics.LOCK_HELD.set(1)
            log.info("relay lock acquired; publishing")
        elif not self.announced_wait:
            log.info("another relay holds the lock; waiting")
            self.announced_wait = True
        return acquired

    def _relock(self) -> None:
        """After a database outage, the lock connection may be gone: take the lock again."""
        self.lock.release()
        metrics.LOCK_HELD.set(0)
        self.role = "standby"
        while not self.stop.is_set() and not self._acquire():
            self.stop.wait(1.0)

    def _ensure_broker(self) -> None:
        if self.broker is not None and self.broker.is_open:
            return
        self.broker = connect(self.amqp_url, f"relay:{self.name}")
        channel = self.broker.channel()
        self.topology.declare_exchange(channel)
        self.publisher = BatchPublisher(channel, self.topology.exchange)
        metrics.BROKER_CONNECTED.set(1)
        log.info("relay connected to the broker", extra={"exchange": self.topology.exchange})

    def _broker_lost(self, exc: BaseException) -> None:
        delay = self.backoff.next_delay()
        log.warning(
            "broker unavailable; retrying",
            extra={"error": repr(exc), "retry_in_s": round(delay, 2)},
        )
        metrics.BROKER_CONNECTED.set(0)
        metrics.BROKER_RECONNECTS.inc()
        self._close_broker()
        self.stop.wait(delay)

    def _checkpoint(self) -> None:
        checkpoint, _ = RelayCheckpoint.objects.get_or_create(name=self.name)
        self.checkpoint = self.saved = checkpoint.position
        self.saved_at = time.monotonic()

    def _save_checkpoint(self) -> None:
        position = self.checkpoint
        with connection.cursor() as cursor:
            # Its own transaction, committed without waiting for the WAL flush: a checkpoint
            # lost in a crash only means those events are published again (at least once).
            cursor.execute(
                "UPDATE relay_checkpoint SET position = %s "
                "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s "
                "WHERE name = %s"
                if connection.vendor == "postgresql" and not connection.in_atomic_block
                else "UPDATE relay_checkpoint SET position = %s WHERE name = %s",
                [position, self.name],
            )
        self.saved, self.saved_at = position, time.monotonic()

    def _publish_batch(self) -> bool:
        """Publish what follows the checkpoint; ``False`` when there is nothing more to do
        (nothing was read, or less than a full batch).

        The whole batch is sent, then its confirms are awaited once; the checkpoint moves
        past the confirmed events only (all of them, or those before a nacked one).
        """
        if not self.checkpoint_loaded:  # after taking the lock: only this process moves it
            self._checkpoint()
            self.checkpoint_loaded = True
        rows = self.recorder.read_all(self.checkpoint, BATCH)
        metrics.STORE_POSITION.set(rows[-1].position if rows else self.checkpoint)
        if not rows:
            return False
        assert self.publisher is not None
        messages = []
        for expected, row in enumerate(rows, start=self.checkpoint + 1):
            if row.position != expected:
                # Positions are gap-free by construction; a hole means a bug. Stop loudly.
                raise RuntimeError(f"event store gap after position {expected - 1}")
            messages.append(checked_message(to_envelope(row)))
        confirmed = 0  # a lost connection confirms nothing: the batch goes again
        try:
            self.publisher.publish_batch(messages)
            confirmed = len(rows)
        except BatchNacked as exc:
            confirmed = exc.confirmed
            raise
        finally:
            if confirmed:
                self._confirmed(rows[:confirmed])
        return len(rows) == BATCH

    def _confirmed(self, rows: Sequence[EventRecord]) -> None:
        now = timezone.now()  # the confirm: what the lag measures up to
        published = rows[-1].position
        self.checkpoint = published
        if time.monotonic() >= self.saved_at + SAVE_EVERY:
            self._save_checkpoint()
        metrics.CHECKPOINT.set(published)
        metrics.PUBLISHED.inc(len(rows))
        for row in rows:
            metrics.LAG.observe(max(0.0, (now - row.recorded_at).total_seconds()))
            log.info(
                "event published",
                extra={
                    "event_id": str(row.event_id),
                    "event_type": row.type,
                    "position": row.position,
                    "correlation_id": (row.metadata or {}).get("correlation_id"),
                },
            )

    def _close_broker(self) -> None:
        broker, self.broker, self.publisher = self.broker, None, None
        if broker is not None:
            try:
                if broker.is_open:
                    broker.close()
            except Exception:  # noqa: S110 - already broken
                pass

    def _close(self) -> None:
        self._close_broker()
        if self.role == "publishing" and self.checkpoint_loaded and self.checkpoint != self.saved:
            try:  # a clean stop leaves nothing to publish again
                self._save_checkpoint()
            except DATABASE_ERRORS as exc:
                log.warning("could not save the checkpoint", extra={"error": repr(exc)})
        self.lock.release()
        metrics.LOCK_HELD.set(0)
        metrics.BROKER_CONNECTED.set(0)
        self.role = "stopped"
