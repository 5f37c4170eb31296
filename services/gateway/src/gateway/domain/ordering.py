"""Position bookkeeping: the global stream cursor and per-connection "already delivered".

Store events carry a gap-free global ``position``. The gateway passes them on in ascending
order; anything at or below the cursor is a duplicate, anything beyond ``cursor + 1`` means
events were lost (broker connection dropped) and must be fetched before going on.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Arrival(Enum):
    """How a store event's position relates to the cursor."""

    NEXT = "next"
    DUPLICATE = "duplicate"
    GAP = "gap"


class StreamCursor:
    """The highest store position passed on, and the first one (where history starts)."""

    def __init__(self) -> None:
        self.position: int | None = None
        self.history_start: int | None = None

    def classify(self, position: int) -> Arrival:
        """Place ``position`` relative to what was already passed on."""
        if self.position is None:
            return Arrival.NEXT
        if position <= self.position:
            return Arrival.DUPLICATE
        if position > self.position + 1:
            return Arrival.GAP
        return Arrival.NEXT

    def advance(self, position: int) -> None:
        """Record that ``position`` was passed on."""
        if self.history_start is None:
            self.history_start = position
        if self.position is None or position > self.position:
            self.position = position

    def covers_history_after(self, token_position: int) -> bool:
        """True when every store event after ``token_position`` went (or will go) through here."""
        return self.history_start is not None and token_position + 1 >= self.history_start


class RecentIds:
    """A bounded memory of event ids, for events that have no position (live-only)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, event_id: str) -> bool:
        """Remember ``event_id``; True if it was already remembered."""
        if event_id in self._ids:
            return True
        self._ids[event_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return False


@dataclass(frozen=True, slots=True)
class Coverage:
    """A joined channel delivers every event of it after ``start`` (exclusive)."""

    start: int


def already_delivered(
    envelope: Mapping[str, Any],
    except_channel: str,
    joined: Mapping[str, Coverage],
    delivered_upto: Mapping[str, int],
    frontier: int | None,
) -> bool:
    """Did this connection already get ``envelope`` through another channel it has joined?

    ``joined`` are the connection's complete subscriptions; a joined channel has delivered
    every event of it after its start up to the cursor, or up to ``delivered_upto`` of that
    channel when a catch-up ran ahead of the cursor. Live-only events (no position) went to
    every joined channel's room.
    """
    position = envelope.get("position")
    for channel in envelope.get("channels", ()):
        if channel == except_channel or channel not in joined:
            continue
        if position is None:
            return True
        reach = max(frontier or 0, delivered_upto.get(channel, 0))
        if joined[channel].start < position <= reach:
            return True
    return False


def merge_live_buffer(
    buffered: Sequence[Mapping[str, Any]], delivered_upto: int
) -> list[Mapping[str, Any]]:
    """Live events held back during a catch-up, in delivery order, without duplicates.

    Store events at or below what the catch-up delivered are dropped; the rest go in position
    order, each id once; live-only events keep their arrival order after them.
    """
    seen: set[str] = set()
    stored = sorted(
        (e for e in buffered if isinstance(e.get("position"), int)), key=lambda e: e["position"]
    )
    live_only = [e for e in buffered if not isinstance(e.get("position"), int)]
    merged: list[Mapping[str, Any]] = []
    for envelope in [*stored, *live_only]:
        position = envelope.get("position")
        if isinstance(position, int) and position <= delivered_upto:
            continue
        if envelope["id"] in seen:
            continue
        seen.add(envelope["id"])
        merged.append(envelope)
    return merged
