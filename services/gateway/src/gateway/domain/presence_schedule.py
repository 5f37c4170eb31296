"""When presence goes out (CONTRACT.md §6): to clients, coalesced; to the other gateways.

:class:`Viewers` decides, per connection and channel, when the next ``presence`` event is
due: the first right after a subscribe ack, later ones only when the set changed and at
least :data:`MIN_GAP` seconds after the previous one to that connection. Later ones go out
per channel, to all its viewers in one tick, at most once per :data:`MIN_GAP` (a channel
with :data:`LARGE` viewers here or more: :data:`LARGE_GAP`). Several changes inside the gap
become one event carrying the latest set.

:class:`AnnouncementSchedule` decides which channels this gateway announces: the ones whose
local set changed since the last announcement, and every channel once per ``interval``
(the heartbeat that keeps the other gateways' entries from lapsing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Seconds between two ``presence`` events of one channel to one connection.
MIN_GAP = 0.25
#: A channel with at least this many viewers on this gateway is large: its updates go out
#: at most every :data:`LARGE_GAP` (each update is one frame per viewer, up to 100 users).
LARGE = 100
#: Seconds between two updates of a large channel. A change still reaches every gateway's
#: viewers well within CONTRACT.md §6's 1 s: ≤ 0.15 s to announce it, ≤ 0.05 s to the
#: next tick, ≤ this gap.
LARGE_GAP = 0.5
#: Seconds between two announcements of changes (a burst of joins becomes one message).
ANNOUNCE_GAP = 0.1


def gap_for(viewers: int) -> float:
    """Seconds between two updates of a channel with ``viewers`` viewers here."""
    return LARGE_GAP if viewers >= LARGE else MIN_GAP


@dataclass
class _Viewer:
    sent_at: float | None = None
    sent_version: int = -1
    owed_initial: bool = False


@dataclass
class _Channel:
    viewers: dict[str, _Viewer] = field(default_factory=dict)
    #: When the channel's last update (not a first-after-ack) went out.
    updated_at: float | None = None
    #: Viewers owed their first event after an ack.
    initials: int = 0


class Viewers:
    """Connections that get ``presence`` for a channel, and what each is owed.

    Updates go out per channel, not per connection: every viewer owed the latest set gets
    it in the same tick, so one update is one frame written to all of them, at most once
    per :func:`gap_for` the channel's size. A viewer whose first event after its ack went
    out less than :data:`MIN_GAP` earlier joins the channel's next update instead.
    """

    def __init__(self, min_gap: float = MIN_GAP) -> None:
        self.min_gap = min_gap
        self._by_channel: dict[str, _Channel] = {}
        #: Channels where some connection may be owed an event.
        self.pending: set[str] = set()

    def acked(self, channel: str, sid: str) -> None:
        """A subscribe to ``channel`` was acked: ``sid`` is owed one event right away."""
        state = self._by_channel.setdefault(channel, _Channel())
        viewer = state.viewers.setdefault(sid, _Viewer())
        if not viewer.owed_initial:
            viewer.owed_initial = True
            state.initials += 1
        self.pending.add(channel)

    def remove(self, channel: str, sid: str) -> None:
        """``sid`` left ``channel``: it gets no more presence for it."""
        state = self._by_channel.get(channel)
        if state is not None:
            viewer = state.viewers.pop(sid, None)
            if viewer is not None and viewer.owed_initial:
                state.initials -= 1
            if not state.viewers:
                del self._by_channel[channel]
                self.pending.discard(channel)

    def changed(self, channel: str) -> None:
        """The set of ``channel`` changed: its viewers are owed the new one."""
        if channel in self._by_channel:
            self.pending.add(channel)

    def gap(self, channel: str) -> float:
        state = self._by_channel.get(channel)
        gap = gap_for(len(state.viewers)) if state is not None else MIN_GAP
        return max(gap, self.min_gap)

    def due(self, channel: str, version: int, now: float) -> tuple[list[str], float | None]:
        """Connections to send ``channel``'s set (at ``version``) to now, marked as sent.

        Also returns when the next one falls due (``None`` when nobody is owed anything).
        """
        state = self._by_channel.get(channel)
        if state is None:
            self.pending.discard(channel)
            return [], None
        gap = self.gap(channel)
        channel_at = -float("inf") if state.updated_at is None else state.updated_at + gap
        if now < channel_at and not state.initials:
            return [], channel_at  # the channel's next update is not due yet: look no further
        due: list[str] = []
        updated = False
        later: float | None = None
        for sid, viewer in state.viewers.items():
            if viewer.owed_initial:
                due.append(sid)
            elif viewer.sent_at is not None and viewer.sent_version != version:
                ready_at = max(viewer.sent_at + self.min_gap, channel_at)
                if now >= ready_at:
                    due.append(sid)
                    updated = True
                else:
                    later = ready_at if later is None else min(later, ready_at)
        for sid in due:
            viewer = state.viewers[sid]
            viewer.sent_at, viewer.sent_version, viewer.owed_initial = now, version, False
        state.initials = 0
        if updated:
            state.updated_at = now
            if later is not None:  # the ones that just had their first: the next update
                later = max(later, now + gap)
        if later is None:
            self.pending.discard(channel)
        return due, later

    def holds(self, channel: str, sid: str) -> bool:
        """Whether ``sid`` still gets ``channel``'s presence."""
        state = self._by_channel.get(channel)
        return state is not None and sid in state.viewers

    def channels(self) -> list[str]:
        return list(self._by_channel)


class AnnouncementSchedule:
    """Which of this gateway's channels to announce next."""

    def __init__(self, interval: float, gap: float = ANNOUNCE_GAP) -> None:
        self.interval = interval
        self.gap = gap
        self.changed: set[str] = set()
        self.last_full: float | None = None
        self.last_take: float | None = None
        self.full_requested = False

    def local_changed(self, channel: str) -> None:
        self.changed.add(channel)

    def request_full(self) -> None:
        """Another gateway said hello (or we reconnected): announce everything soon."""
        self.full_requested = True

    def take(self, now: float, all_channels: list[str]) -> tuple[list[str], bool]:
        """The channels to announce now, and whether that is everything (a heartbeat).

        Changes wait until :data:`ANNOUNCE_GAP` after the previous announcement.
        """
        if self.last_take is not None and now - self.last_take < self.gap:
            return [], False
        full = (
            self.full_requested or self.last_full is None or now - self.last_full >= self.interval
        )
        if full:
            channels = sorted(set(all_channels) | self.changed)
            self.last_full = now
            self.full_requested = False
        else:
            channels = sorted(self.changed)
        self.changed = set()
        if channels:
            self.last_take = now
        return channels, full
