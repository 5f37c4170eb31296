"""Per-connection state and the indexes the fan-out needs.

A connection's channel is in one of two states: *pending* (a catch-up is running; live
events of the channel are buffered for it) or *joined* (it is in the channel's room and
gets live events from the one shared emit). ``ahead`` records, per channel, connections
whose catch-up delivered events the cursor has not passed yet, so that the live emit of
those events skips them (no duplicate).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from todo_shared.rate_limit import TokenBucket
from todo_shared.tokens import RealtimeClaims

from gateway.domain.ordering import Coverage

Envelope = dict[str, Any]


@dataclass
class CatchUp:
    """A running catch-up of one channel for one connection."""

    user_id: str | None
    buffer: list[Envelope] = field(default_factory=list)
    aborted: str | None = None  # why it must stop: "revoked", "closed", "slow_consumer"


@dataclass(slots=True)  # memory: one per connection (docs/gateway.md)
class Session:
    """One Socket.IO connection."""

    sid: str
    tokens: list[RealtimeClaims]
    bucket: TokenBucket
    joined: dict[str, Coverage] = field(default_factory=dict)
    grants: dict[str, str | None] = field(default_factory=dict)  # channel -> user it was granted to
    closing: bool = False

    def add_token(self, claims: RealtimeClaims) -> None:
        if claims not in self.tokens:
            self.tokens.append(claims)


class SessionLocks:
    """Serialise the subscribes and unsubscribes of one connection (green locks under
    eventlet). A connection's lock exists only while it is held or awaited: a green lock is
    about 1 KB, and an idle connection needs none."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}  # sid -> lock, users

    @contextmanager
    def hold(self, sid: str) -> Iterator[None]:
        with self._guard:
            entry = self._locks.get(sid)
            if entry is None:
                entry = self._locks[sid] = (threading.Lock(), [0])
            entry[1][0] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1][0] -= 1
                if not entry[1][0]:
                    del self._locks[sid]

    def __len__(self) -> int:
        return len(self._locks)


class RegistryWatcher(Protocol):
    """Told of every join, leave and subscribe ack (presence follows the registry)."""

    def joined(self, session: Session, channel: str, user_id: str | None) -> None: ...
    def left(self, session: Session, channel: str) -> None: ...
    def acked(self, session: Session, channel: str) -> None: ...


class SessionRegistry:
    """All connections of this process, who is in which channel, and running catch-ups."""

    def __init__(self) -> None:
        self.watchers: list[RegistryWatcher] = []
        self.sessions: dict[str, Session] = {}
        self.locks = SessionLocks()
        self.members: dict[str, set[str]] = {}
        self.pending: dict[str, dict[str, CatchUp]] = {}
        self.ahead: dict[str, dict[str, int]] = {}

    # -- connections ------------------------------------------------------------------------

    def open(self, session: Session) -> None:
        self.sessions[session.sid] = session

    def close(self, sid: str) -> Session | None:
        """Forget a connection entirely; returns it (or ``None`` if unknown)."""
        session = self.sessions.pop(sid, None)
        if session is None:
            return None
        session.closing = True
        for channel in list(session.joined):
            self.leave(session, channel)
        for channel in list(self.pending):
            catch_up = self.pending[channel].get(sid)
            if catch_up is not None:
                catch_up.aborted = catch_up.aborted or "closed"
            self.end_catch_up(sid, channel)
        return session

    # -- joined channels --------------------------------------------------------------------

    def join(self, session: Session, channel: str, start: int, user_id: str | None) -> None:
        session.joined[channel] = Coverage(start)
        session.grants[channel] = user_id
        self.members.setdefault(channel, set()).add(session.sid)
        for watcher in self.watchers:
            watcher.joined(session, channel, user_id)

    def acked(self, session: Session, channel: str) -> None:
        """A subscribe to ``channel`` was answered ok (the watchers may follow up)."""
        for watcher in self.watchers:
            watcher.acked(session, channel)

    def leave(self, session: Session, channel: str) -> bool:
        """Remove ``channel`` from the connection; True if it was joined."""
        was_joined = session.joined.pop(channel, None) is not None
        session.grants.pop(channel, None)
        room = self.members.get(channel)
        if room is not None:
            room.discard(session.sid)
            if not room:
                del self.members[channel]
        self.clear_ahead(channel, session.sid)
        if was_joined:
            for watcher in self.watchers:
                watcher.left(session, channel)
        return was_joined

    def recipients(self, rooms: Iterable[str], skip: Iterable[str]) -> int:
        """How many connections one emit to ``rooms`` reaches (each once)."""
        rooms = [room for room in rooms if room in self.members]
        if len(rooms) == 1:
            reached = self.members[rooms[0]]
            return len(reached) - sum(1 for sid in skip if sid in reached)
        union: set[str] = set().union(*(self.members[room] for room in rooms))
        return len(union.difference(skip))

    def granted_to(self, channel: str, user_id: str) -> list[Session]:
        """Connections holding ``channel`` through a token of ``user_id``."""
        return [
            self.sessions[sid]
            for sid in self.members.get(channel, ())
            if sid in self.sessions and self.sessions[sid].grants.get(channel) == user_id
        ]

    # -- catch-ups --------------------------------------------------------------------------

    def begin_catch_up(self, sid: str, channel: str, user_id: str | None, start: int) -> CatchUp:
        catch_up = CatchUp(user_id)
        self.pending.setdefault(channel, {})[sid] = catch_up
        self.set_ahead(channel, sid, start)
        return catch_up

    def end_catch_up(self, sid: str, channel: str) -> None:
        waiting = self.pending.get(channel)
        if waiting is not None:
            waiting.pop(sid, None)
            if not waiting:
                del self.pending[channel]
        session = self.sessions.get(sid)
        if session is None or channel not in session.joined:
            self.clear_ahead(channel, sid)

    def catching_up(self, channel: str) -> dict[str, CatchUp]:
        return self.pending.get(channel, {})

    # -- catch-ups that ran ahead of the cursor ------------------------------------------------

    def set_ahead(self, channel: str, sid: str, position: int) -> None:
        self.ahead.setdefault(channel, {})[sid] = position

    def clear_ahead(self, channel: str, sid: str) -> None:
        marks = self.ahead.get(channel)
        if marks is not None:
            marks.pop(sid, None)
            if not marks:
                del self.ahead[channel]

    def reach(self, sid: str, channels: Iterable[str]) -> dict[str, int]:
        """Per channel, how far a catch-up of ``sid`` delivered (only where one did)."""
        return {c: self.ahead[c][sid] for c in channels if sid in self.ahead.get(c, {})}

    def skips_for(self, channels: Iterable[str], position: int | None) -> set[str]:
        """Connections that already got the store event at ``position`` from a catch-up."""
        if position is None:
            return set()
        return {
            sid
            for channel in channels
            for sid, upto in self.ahead.get(channel, {}).items()
            if position <= upto
        }

    def forget_ahead_upto(self, position: int) -> None:
        """Drop marks the cursor has caught up with (joined connections only)."""
        for channel in list(self.ahead):
            marks = self.ahead[channel]
            for sid in [s for s, upto in marks.items() if upto <= position]:
                if sid not in self.pending.get(channel, {}):
                    del marks[sid]
            if not marks:
                del self.ahead[channel]

    def subscription_count(self) -> int:
        return sum(len(room) for room in self.members.values())
