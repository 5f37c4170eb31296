"""Passing events on: store events in position order, each to the set of its rooms.

Every event — from the broker, or fetched from the API to fill a gap — goes through
:meth:`Fanout.accept`. It keeps the cursor, drops duplicates, holds events back for
connections that are catching up, emits once to all rooms the event names, and applies
revocations (§5) right after the event itself went out.

Once the cursor has passed an event, a redelivery of it is a duplicate: so an event whose
delivery failed part-way must not simply raise (the broker batch would come back and the
event would be dropped for whoever it had not reached yet). Instead every connection it was
meant for is closed (``on_undelivered``); each one reconnects and resumes with ``since``,
which fills what it missed from the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from gateway import metrics
from gateway.application.ports import Rooms
from gateway.application.sessions import SessionRegistry
from gateway.domain.ordering import Arrival, RecentIds, StreamCursor
from gateway.domain.revocations import RevocationTable

log = logging.getLogger(__name__)

Envelope = dict[str, Any]


class PositionGap(Exception):
    """A store event arrived beyond ``cursor + 1``: the events between are missing."""

    def __init__(self, last: int, arrived: int) -> None:
        super().__init__(f"positions {last + 1}..{arrived - 1} are missing")
        self.last = last
        self.arrived = arrived


class Fanout:
    """The single path from an accepted event to the connections that should get it."""

    def __init__(
        self,
        rooms: Rooms,
        registry: SessionRegistry,
        cursor: StreamCursor,
        revocations: RevocationTable,
        buffer_limit: int,
        on_overflow: Callable[[str], None],
        on_undelivered: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self.rooms = rooms
        self.registry = registry
        self.cursor = cursor
        self.revocations = revocations
        self.buffer_limit = buffer_limit
        self.on_overflow = on_overflow
        self.on_undelivered = on_undelivered
        self.recent_live_ids = RecentIds()

    def accept(self, envelope: Envelope, origin: str, allow_gap: bool = False) -> bool:
        """Pass ``envelope`` on unless it is a duplicate; True if it went out.

        Raises :class:`PositionGap` when events are missing before it (unless ``allow_gap``).
        """
        position = envelope.get("position")
        if isinstance(position, int):
            arrival = self.cursor.classify(position)
            if arrival is Arrival.DUPLICATE:
                metrics.DROPS.labels("duplicate").inc()
                return False
            if arrival is Arrival.GAP and not allow_gap:
                assert self.cursor.position is not None
                raise PositionGap(self.cursor.position, position)
            self.cursor.advance(position)
            metrics.POSITION.set(position)
        elif self.recent_live_ids.seen(str(envelope.get("id"))):
            metrics.DROPS.labels("duplicate").inc()
            return False
        metrics.EVENTS_IN.labels(origin).inc()
        try:
            self._deliver(envelope, position if isinstance(position, int) else None)
        except Exception:
            if self.on_undelivered is None:
                raise
            self._undelivered(envelope)
        if isinstance(position, int):
            self._revoke(envelope)
            self.registry.forget_ahead_upto(position)
        return True

    def _deliver(self, envelope: Envelope, position: int | None) -> None:
        channels = [c for c in envelope.get("channels", ()) if isinstance(c, str)]
        skip = self.registry.skips_for(channels, position)
        for channel in channels:
            for sid, catch_up in list(self.registry.catching_up(channel).items()):
                if sid in skip or catch_up.aborted:
                    continue
                catch_up.buffer.append(envelope)
                if len(catch_up.buffer) > self.buffer_limit:
                    catch_up.aborted = "slow_consumer"
                    self.on_overflow(sid)
        rooms = [c for c in channels if c in self.registry.members]
        if not rooms:
            return
        reached = self.registry.recipients(rooms, skip)
        if reached:
            self.rooms.deliver(envelope, rooms, skip)
            metrics.DELIVERIES.inc(reached)
            # One line per event (never per delivery): the request id follows the event here
            # from the API, relay and projector. LOG_LEVEL=WARNING drops it.
            if log.isEnabledFor(logging.INFO):
                log.info("event emitted", extra={**event_fields(envelope), "recipients": reached})

    def _undelivered(self, envelope: Envelope) -> None:
        """The event may have reached only some of its connections: close them all."""
        channels = [c for c in envelope.get("channels", ()) if isinstance(c, str)]
        log.exception(
            "delivery failed; closing the event's connections so they resume",
            extra={**event_fields(envelope), "channels": channels},
        )
        metrics.DELIVERY_FAILURES.labels("fanout").inc()
        assert self.on_undelivered is not None
        self.on_undelivered(channels)

    def _revoke(self, envelope: Envelope) -> None:
        for user_id, list_id in self.revocations.record_event(envelope):
            channel = f"list:{list_id}"
            for session in self.registry.granted_to(channel, user_id):
                self.registry.leave(session, channel)
                self.rooms.leave(session.sid, channel)
                metrics.SUBSCRIPTIONS.dec()
                self.rooms.notify(
                    session.sid, "unsubscribed", {"channel": channel, "reason": "revoked"}
                )
                log.info("subscription revoked", extra={"sid": session.sid, "channel": channel})
            for catch_up in self.registry.catching_up(channel).values():
                if catch_up.user_id == user_id:
                    catch_up.aborted = "revoked"

    def burst(self) -> AbstractContextManager[None]:
        """Events accepted inside go out together at its end (one broker batch): each client
        gets their frames in one write. Nothing inside may yield to other green threads
        without :meth:`flush` first."""
        return self.rooms.burst()

    def flush(self) -> None:
        self.rooms.flush()

    def deliver_catch_up(self, sid: str, envelope: Mapping[str, Any]) -> None:
        """One event of a catch-up, to one connection."""
        self.rooms.deliver_to(sid, envelope)
        metrics.DELIVERIES.inc()


def event_fields(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The log fields that follow one event through the pipeline (its correlation id)."""
    metadata = envelope.get("metadata")
    correlation = metadata.get("correlation_id") if isinstance(metadata, Mapping) else None
    return {
        "event_id": envelope.get("id"),
        "event_type": envelope.get("type"),
        "position": envelope.get("position"),
        "correlation_id": correlation,
    }
