"""Presence of one gateway process (CONTRACT.md §6): who holds which list, told to clients.

The session registry tells :class:`PresenceService` when a connection joins or leaves a
channel (subscribe, unsubscribe, disconnect and revocation all pass through it) and when a
subscribe was acked. Two green threads drive the rest: :meth:`PresenceService.run_ticker`
sends the ``presence`` events that fell due and expires the other gateways' entries, and
the AMQP feed (``adapters/presence_feed.py``) carries announcements both ways.

Nothing here runs per event delivery: presence work happens only when someone joins or
leaves, when an announcement arrives, and on the ticker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from todo_shared.tokens import RealtimeClaims

from gateway import presence_metrics as metrics
from gateway.domain.presence import (
    LocalPresence,
    PeerPresence,
    has_presence,
    merged_users,
    presence_payload,
)
from gateway.domain.presence_schedule import AnnouncementSchedule, Viewers
from gateway.domain.presence_wire import Announcement, encode

log = logging.getLogger(__name__)

#: Seconds between two ticks of the client-side schedule.
TICK = 0.05
#: Seconds between two expiry sweeps of the other gateways' entries.
SWEEP = 0.5
#: Connections written to between two yields while sending one channel's update.
WRITE_CHUNK = 100


def ttl_for(interval: float) -> float:
    """How long others keep our entries: three heartbeats missed, plus a second."""
    return 3 * interval + 1


class PresenceSink(Protocol):
    """Where ``presence`` events go: one emit, encoded once, to several connections."""

    def notify_all(self, sids: Sequence[str], event: str, data: dict[str, Any]) -> None: ...


class SessionLike(Protocol):
    sid: str
    tokens: list[RealtimeClaims]


def username_of(tokens: Iterable[RealtimeClaims], user_id: str) -> str:
    """The username the API signed into the user's token (the id if a token has none)."""
    for claims in tokens:
        if claims.user_id == user_id and claims.username:
            return claims.username
    return user_id


class PresenceService:
    """Local connections + the other gateways' announcements → ``presence`` events."""

    def __init__(
        self,
        sink: PresenceSink,
        gateway_id: str,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.gateway_id = gateway_id
        self.ttl = ttl_for(interval)
        self.clock = clock
        self.local = LocalPresence()
        self.peers = PeerPresence()
        self.viewers = Viewers()
        self.schedule = AnnouncementSchedule(interval)
        self._version = 0
        self._versions: dict[str, int] = {}
        self._payloads: dict[str, tuple[int, dict[str, Any]]] = {}
        self._announced: dict[str, dict[str, str]] = {}
        self.stopping = False
        metrics.CHANNELS.set_function(self.channels_with_presence)

    # -- hooks from the session registry ---------------------------------------------------

    def joined(self, session: SessionLike, channel: str, user_id: str | None) -> None:
        """A connection now holds ``channel`` (after its catch-up, before the ack)."""
        if user_id is None or not has_presence(channel):
            return
        username = username_of(session.tokens, user_id)
        if self.local.join(channel, session.sid, user_id, username):
            self._local_changed(channel)

    def left(self, session: SessionLike, channel: str) -> None:
        """Unsubscribe, disconnect or revocation: the connection no longer holds ``channel``."""
        self.viewers.remove(channel, session.sid)
        if self.local.leave(channel, session.sid):
            self._local_changed(channel)

    def acked(self, session: SessionLike, channel: str) -> None:
        """A subscribe was acked: the connection is owed one ``presence`` right after it."""
        if has_presence(channel) and self.local.holds(channel, session.sid):
            self.viewers.acked(channel, session.sid)

    # -- the ticker (a green thread) -------------------------------------------------------

    def run_ticker(self, sleep: Callable[[float], None]) -> None:
        """Send what fell due every :data:`TICK`; expire lapsed entries every :data:`SWEEP`."""
        swept = self.clock()
        while not self.stopping:
            now = self.clock()
            try:
                if now - swept >= SWEEP:
                    self.expire(now)
                    swept = now
                self.flush_clients(now, pause=lambda: sleep(0))
            except Exception:  # keep ticking: one bad channel must not stop presence
                log.exception("presence tick failed")
            sleep(TICK)

    def flush_clients(self, now: float, pause: Callable[[], None] | None = None) -> int:
        """Emit ``presence`` to every connection it is due to; returns how many got one.

        A large channel's update goes out :data:`WRITE_CHUNK` connections at a time, with
        ``pause`` (the ticker: a yield to the other green threads) in between, so events
        wait for at most one chunk; a connection that left meanwhile is skipped.
        """
        sent = 0
        for channel in list(self.viewers.pending):
            version = self._versions.get(channel, 0)
            due, _ = self.viewers.due(channel, version, now)
            if not due:
                continue
            payload = self.payload(channel)
            for start in range(0, len(due), WRITE_CHUNK):
                chunk = due[start : start + WRITE_CHUNK]
                if start and pause is not None:
                    pause()
                    chunk = [sid for sid in chunk if self.viewers.holds(channel, sid)]
                self.sink.notify_all(chunk, "presence", payload)
                metrics.UPDATES.inc(len(chunk))
                sent += len(chunk)
        return sent

    def expire(self, now: float) -> None:
        changed, count = self.peers.expire(now)
        if count:
            metrics.EXPIRIES.inc(count)
        for channel in changed:
            self._changed(channel)

    def payload(self, channel: str) -> dict[str, Any]:
        """The current ``presence`` event of ``channel`` (built once per change)."""
        version = self._versions.get(channel, 0)
        cached = self._payloads.get(channel)
        if cached is None or cached[0] != version:
            cached = (version, presence_payload(channel, self.users(channel)))
            self._payloads[channel] = cached
        return cached[1]

    def users(self, channel: str) -> dict[str, str]:
        return merged_users(self.local, self.peers, channel)

    def channels_with_presence(self) -> int:
        channels = set(self.local.channels()) | self.peers.channels()
        return sum(1 for channel in channels if self.users(channel))

    # -- the other gateways (called by the feed's green thread) ----------------------------

    def received(self, announcement: Announcement, now: float) -> None:
        """Merge another gateway's announcement (our own echo is ignored)."""
        if announcement.gateway == self.gateway_id:
            return
        metrics.ANNOUNCEMENTS_RECEIVED.labels(announcement.kind).inc()
        if announcement.kind == "bye":
            changed = self.peers.forget(announcement.gateway)
        elif announcement.kind == "change":
            changed = self.peers.change(
                announcement.gateway,
                announcement.channels,
                announcement.left,
                announcement.ttl,
                now,
            )
        else:
            changed = self.peers.apply(
                announcement.gateway, announcement.channels, announcement.ttl, now
            )
            if announcement.kind == "hello":
                self.schedule.request_full()
        for channel in changed:
            self._changed(channel)

    def outgoing(self, now: float) -> tuple[str, list[bytes]]:
        """The announcements to publish now, and their kind.

        Every interval (or when asked by a ``hello``) the complete local sets (``state``);
        in between only what changed since the last message (``change``).
        """
        channels, full = self.schedule.take(now, self.local.channels())
        if full:
            return "state", self._encode("state", channels) if channels else []
        came: dict[str, dict[str, str]] = {}
        went: dict[str, list[str]] = {}
        for channel in channels:
            users, before = self.local.users(channel), self._announced.get(channel, {})
            joined = {user: name for user, name in users.items() if before.get(user) != name}
            gone = [user for user in before if user not in users]
            if joined:
                came[channel] = joined
            if gone:
                went[channel] = gone
            self._remember(channel, users)
        if not came and not went:
            return "change", []
        return "change", encode(self.gateway_id, "change", self.ttl, came, went)

    def hello(self) -> list[bytes]:
        """Sent on (re)connecting: our state, and a request for everyone else's."""
        return self._encode("hello", self.local.channels())

    def bye(self) -> list[bytes]:
        """Sent when stopping: the others drop our users at once."""
        return self._encode("bye", [])

    def _encode(self, kind: str, channels: Iterable[str]) -> list[bytes]:
        state = {channel: self.local.users(channel) for channel in channels}
        for channel, users in state.items():
            self._remember(channel, users)
        return encode(self.gateway_id, kind, self.ttl, state)

    def _remember(self, channel: str, users: dict[str, str]) -> None:
        """What the other gateways were last told of ``channel`` (``change`` diffs from it)."""
        if users:
            self._announced[channel] = users
        else:
            self._announced.pop(channel, None)

    # -- bookkeeping -------------------------------------------------------------------------

    def _changed(self, channel: str) -> None:
        self._version += 1  # one counter for all channels: a version never repeats
        self._versions[channel] = self._version
        self._payloads.pop(channel, None)
        self.viewers.changed(channel)
        if channel not in self.viewers.channels() and not self.users(channel):
            self._versions.pop(channel, None)

    def _local_changed(self, channel: str) -> None:
        self._changed(channel)
        self.schedule.local_changed(channel)
