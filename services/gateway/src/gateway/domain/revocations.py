"""Which (user, list) pairs lost access, and at which store position.

A revoking event (``MemberRemoved``, ``ListDeleted``: ``todo_shared.event_registry``) at
position ``p`` revokes ``list:<id>`` for every
token of the affected user issued before ``p`` (a token carries the store position at issue;
CONTRACT.md §5). Entries are kept for the token lifetime: after that every token issued
before the event has expired anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from todo_shared.event_registry import event_type

Clock = Callable[[], float]


def revocations_in(envelope: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The ``(user_id, list_id)`` pairs a store event revokes (the registry's rule)."""
    known = event_type(str(envelope.get("type")))
    if known is not None:
        yield from known.revoked(envelope.get("data") or {})


class RevocationTable:
    """In-memory record of the newest revoking position per ``(user, list)``."""

    def __init__(self, keep_seconds: float, clock: Clock = time.monotonic) -> None:
        self.keep_seconds = keep_seconds
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[int, float]] = {}

    def record(self, user_id: str, list_id: str, position: int) -> None:
        """Remember that ``user_id`` lost ``list_id`` at ``position``."""
        key = (user_id, list_id)
        known = self._entries.get(key)
        if known is None or known[0] < position:
            self._entries[key] = (position, self.clock())

    def record_event(self, envelope: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Record what a store event revokes; returns the pairs it revoked."""
        position = envelope.get("position")
        if not isinstance(position, int):
            return []
        pairs = list(revocations_in(envelope))
        for user_id, list_id in pairs:
            self.record(user_id, list_id, position)
        return pairs

    def is_revoked(self, user_id: str, list_id: str, token_position: int) -> bool:
        """True when a token issued at ``token_position`` predates a revocation of the pair."""
        known = self._entries.get((user_id, list_id))
        return known is not None and token_position < known[0]

    def prune(self) -> int:
        """Forget entries older than the token lifetime; returns how many went."""
        horizon = self.clock() - self.keep_seconds
        stale = [key for key, (_, seen) in self._entries.items() if seen < horizon]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def __len__(self) -> int:
        return len(self._entries)


def access_change(envelope: Mapping[str, Any], user_id: str, list_id: str) -> str | None:
    """``"revoked"`` or ``"granted"`` when a store event changes ``user_id``'s access."""
    known = event_type(str(envelope.get("type")))
    if known is None:
        return None
    data = envelope.get("data") or {}
    if (user_id, list_id) in known.revoked(data):
        return "revoked"
    if (user_id, list_id) in known.granted(data):
        return "granted"
    return None
