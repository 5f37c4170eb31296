"""When presence goes out (CONTRACT.md §6): to clients, coalesced; to the other gateways.

:class:`Viewers` decides, per connection and channel, when the next ``presence`` event is
due: the first right after a subscribe ack, later ones only when the set changed and at
least :data:`MIN_GAP` seconds after the previous one to that connection. Several changes
inside the gap become one event carrying the latest set.

:class:`AnnouncementSchedule` decides which channels this gateway announces: the ones whose
local set changed since the last announcement, and every channel once per ``interval``
(the heartbeat that keeps the other gateways' entries from lapsing).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds between two ``presence`` events of one channel to one connection.
MIN_GAP = 0.25
#: Seconds between two announcements of changes (a burst of joins becomes one message).
ANNOUNCE_GAP = 0.1


@dataclass
class _Viewer:
    sent_at: float | None = None
    sent_version: int = -1
    owed_initial: bool = False


class Viewers:
    """Connections that get ``presence`` for a channel, and what each is owed."""

    def __init__(self, min_gap: float = MIN_GAP) -> None:
        self.min_gap = min_gap
        self._by_channel: dict[str, dict[str, _Viewer]] = {}
        #: Channels where some connection may be owed an event.
        self.pending: set[str] = set()

    def acked(self, channel: str, sid: str) -> None:
        """A subscribe to ``channel`` was acked: ``sid`` is owed one event right away."""
        viewer = self._by_channel.setdefault(channel, {}).setdefault(sid, _Viewer())
        viewer.owed_initial = True
        self.pending.add(channel)

    def remove(self, channel: str, sid: str) -> None:
        """``sid`` left ``channel``: it gets no more presence for it."""
        viewers = self._by_channel.get(channel)
        if viewers is not None:
            viewers.pop(sid, None)
            if not viewers:
                del self._by_channel[channel]
                self.pending.discard(channel)

    def changed(self, channel: str) -> None:
        """The set of ``channel`` changed: its viewers are owed the new one."""
        if channel in self._by_channel:
            self.pending.add(channel)

    def due(self, channel: str, version: int, now: float) -> tuple[list[str], float | None]:
        """Connections to send ``channel``'s set (at ``version``) to now, marked as sent.

        Also returns when the next one falls due (``None`` when nobody is owed anything).
        """
        due: list[str] = []
        later: float | None = None
        for sid, viewer in self._by_channel.get(channel, {}).items():
            if viewer.owed_initial:
                due.append(sid)
            elif viewer.sent_at is not None and viewer.sent_version != version:
                ready_at = viewer.sent_at + self.min_gap
                if now >= ready_at:
                    due.append(sid)
                else:
                    later = ready_at if later is None else min(later, ready_at)
        for sid in due:
            viewer = self._by_channel[channel][sid]
            viewer.sent_at, viewer.sent_version, viewer.owed_initial = now, version, False
        if later is None:
            self.pending.discard(channel)
        return due, later

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
