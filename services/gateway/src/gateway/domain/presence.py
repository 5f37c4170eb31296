"""Who is present on which list, merged across gateways (CONTRACT.md §6): pure state.

- :class:`LocalPresence`: this process's own connections. A user holding a channel on
  several connections counts once.
- :class:`PeerPresence`: what the other gateways announced. Each ``(gateway, channel)``
  entry lapses unless it is announced again within the ``ttl`` its sender gave, so a dead
  gateway's users disappear without anyone telling.
- :func:`presence_payload`: the ``presence`` event a client receives.

Users are ``{user_id: username}`` mappings throughout; usernames come from the realtime
token the API signed, never from what a client sends.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

#: ``users`` in a ``presence`` event lists at most this many (``count`` is exact).
MAX_LISTED = 100

Users = Mapping[str, str]


def has_presence(channel: str) -> bool:
    """Only ``list:`` channels have presence (not ``user:``, not ``public:``)."""
    return channel.startswith("list:")


def presence_payload(channel: str, users: Users) -> dict[str, Any]:
    """``{channel, count, users}``: users sorted by username (code points), the first 100."""
    key = lambda item: (item[1], item[0])  # noqa: E731 - username, then id for equal names
    if len(users) > MAX_LISTED:
        first = heapq.nsmallest(MAX_LISTED, users.items(), key=key)
    else:
        first = sorted(users.items(), key=key)
    return {
        "channel": channel,
        "count": len(users),
        "users": [{"id": user_id, "username": username} for user_id, username in first],
    }


class LocalPresence:
    """Users present through this process's connections, per channel."""

    def __init__(self) -> None:
        self._holders: dict[str, dict[str, set[str]]] = {}  # channel -> user -> sids
        self._names: dict[str, dict[str, str]] = {}  # channel -> user -> username
        self._user_of: dict[tuple[str, str], str] = {}  # (channel, sid) -> user

    def join(self, channel: str, sid: str, user_id: str, username: str) -> bool:
        """Connection ``sid`` holds ``channel`` as ``user_id``; True if the set changed."""
        previous = self._user_of.get((channel, sid))
        changed = False
        if previous is not None and previous != user_id:
            changed = self.leave(channel, sid)
        holders = self._holders.setdefault(channel, {})
        names = self._names.setdefault(channel, {})
        changed = changed or user_id not in holders or names.get(user_id) != username
        holders.setdefault(user_id, set()).add(sid)
        names[user_id] = username
        self._user_of[(channel, sid)] = user_id
        return changed

    def leave(self, channel: str, sid: str) -> bool:
        """``sid`` no longer holds ``channel``; True if its user left the set."""
        user_id = self._user_of.pop((channel, sid), None)
        if user_id is None:
            return False
        holders = self._holders[channel]
        sids = holders[user_id]
        sids.discard(sid)
        if sids:
            return False
        del holders[user_id]
        del self._names[channel][user_id]
        if not holders:
            del self._holders[channel]
            del self._names[channel]
        return True

    def holds(self, channel: str, sid: str) -> bool:
        return (channel, sid) in self._user_of

    def users(self, channel: str) -> dict[str, str]:
        return dict(self._names.get(channel, {}))

    def channels(self) -> list[str]:
        return list(self._names)


@dataclass
class _Entry:
    users: dict[str, str]
    expires_at: float


class PeerPresence:
    """The other gateways' announced presence, each entry with its own expiry."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, _Entry]] = {}  # channel -> gateway -> entry
        self._channels_of: dict[str, set[str]] = {}  # gateway -> channels

    def apply(
        self, gateway: str, channels: Mapping[str, Users], ttl: float, now: float
    ) -> set[str]:
        """Take ``gateway``'s complete user sets of ``channels``; returns the changed ones.

        An empty set means nobody is present there through that gateway any more.
        Channels the announcement does not name keep their entries (and expiry).
        """
        changed: set[str] = set()
        for channel, users in channels.items():
            known = self._entries.get(channel, {}).get(gateway)
            if not users:
                if known is not None:
                    self._remove(channel, gateway)
                    changed.add(channel)
                continue
            fresh = dict(users)
            if known is None or known.users != fresh:
                changed.add(channel)
            self._entries.setdefault(channel, {})[gateway] = _Entry(fresh, now + ttl)
            self._channels_of.setdefault(gateway, set()).add(channel)
        return changed

    def change(
        self,
        gateway: str,
        came: Mapping[str, Users],
        went: Mapping[str, Collection[str]],
        ttl: float,
        now: float,
    ) -> set[str]:
        """Apply ``gateway``'s changes: per channel, users who came and ids of those who went.

        Returns the channels whose set changed. An entry left empty is removed; one that
        was not known starts from the users who came (the next heartbeat completes it).
        """
        changed: set[str] = set()
        for channel in set(came) | set(went):
            known = self._entries.get(channel, {}).get(gateway)
            users = dict(known.users) if known is not None else {}
            for user_id in went.get(channel, ()):
                users.pop(user_id, None)
            users.update(came.get(channel, {}))
            if known is None or known.users != users:
                changed.add(channel)
            if users:
                self._entries.setdefault(channel, {})[gateway] = _Entry(users, now + ttl)
                self._channels_of.setdefault(gateway, set()).add(channel)
            elif known is not None:
                self._remove(channel, gateway)
            else:
                changed.discard(channel)
        return changed

    def forget(self, gateway: str) -> set[str]:
        """Drop everything ``gateway`` announced (it said goodbye); returns the channels."""
        channels = set(self._channels_of.get(gateway, ()))
        for channel in channels:
            self._remove(channel, gateway)
        return channels

    def expire(self, now: float) -> tuple[set[str], int]:
        """Drop entries not announced again in time; returns (changed channels, how many)."""
        stale = [
            (channel, gateway)
            for channel, by_gateway in self._entries.items()
            for gateway, entry in by_gateway.items()
            if entry.expires_at <= now
        ]
        for channel, gateway in stale:
            self._remove(channel, gateway)
        return {channel for channel, _ in stale}, len(stale)

    def users(self, channel: str) -> dict[str, str]:
        merged: dict[str, str] = {}
        for entry in self._entries.get(channel, {}).values():
            merged.update(entry.users)
        return merged

    def gateways(self) -> set[str]:
        return set(self._channels_of)

    def channels(self) -> set[str]:
        return set(self._entries)

    def _remove(self, channel: str, gateway: str) -> None:
        by_gateway = self._entries.get(channel)
        if by_gateway is not None:
            by_gateway.pop(gateway, None)
            if not by_gateway:
                del self._entries[channel]
        mine = self._channels_of.get(gateway)
        if mine is not None:
            mine.discard(channel)
            if not mine:
                del self._channels_of[gateway]


def merged_users(local: LocalPresence, peers: PeerPresence, channel: str) -> dict[str, str]:
    """Everyone present on ``channel``, here or on another gateway, each user once."""
    users = peers.users(channel)
    users.update(local.users(channel))  # our own token-given name wins for our own users
    return users
