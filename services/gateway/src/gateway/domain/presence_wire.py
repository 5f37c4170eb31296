"""The gateways' presence messages on ``<EVENTS_EXCHANGE>.presence`` (docs/gateway.md).

Only gateways read and write them, so the format is ours (CONTRACT.md §6)::

    {"v": 1, "gateway": "<sender id>", "kind": "state" | "hello" | "bye" | "change",
     "ttl": 10, "channels": {"list:<uuid>": [{"id": "7", "username": "alice"}, …], …},
     "left": {"list:<uuid>": ["8", …], …}}

In ``state`` and ``hello``, ``channels`` gives, for each channel named, the *complete* set
of users present there through the sender's own connections (``[]``: nobody any more).
``change`` carries only what changed since the sender's previous message: per channel the
users who came (``channels``) and the ids of those who went (``left``, only in ``change``).
``hello`` also asks every other gateway to announce all its channels at once; ``bye`` means
"forget all of mine". A large message is split over several of at most :data:`CHUNK_BYTES`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from todo_shared.channels import is_valid_channel

from gateway.domain.presence import Users, has_presence

VERSION = 1
KINDS = ("state", "hello", "bye", "change")
CHUNK_BYTES = 256 * 1024
MAX_BODY = 8 * 1024 * 1024
MAX_TTL = 120.0
MAX_NAME = 150


class WireError(ValueError):
    """A presence message this gateway cannot use."""


@dataclass(frozen=True)
class Announcement:
    gateway: str
    kind: str
    ttl: float
    channels: dict[str, dict[str, str]]
    #: ``change`` only: per channel, the ids of the users who went.
    left: dict[str, list[str]] = field(default_factory=dict)


def _users_json(users: Users) -> list[dict[str, str]]:
    return [{"id": user_id, "username": name} for user_id, name in sorted(users.items())]


def encode(
    gateway: str,
    kind: str,
    ttl: float,
    channels: Mapping[str, Users],
    left: Mapping[str, Collection[str]] | None = None,
) -> list[bytes]:
    """The messages announcing ``channels`` (at least one, even with no channel).

    ``left`` (for ``change``): per channel, the ids of the users who went.
    """
    head = {"v": VERSION, "gateway": gateway, "kind": kind, "ttl": ttl}
    left = left or {}
    bodies: list[bytes] = []
    chunk: dict[str, list[dict[str, str]]] = {}
    gone: dict[str, list[str]] = {}
    size = 0

    def body() -> bytes:
        return json.dumps({**head, "channels": chunk, **({"left": gone} if gone else {})}).encode()

    for channel in sorted(set(channels) | set(left)):
        users = _users_json(channels[channel]) if channel in channels else None
        ids = sorted(left.get(channel, ()))
        cost = len(json.dumps(users)) + len(json.dumps(ids)) + 2 * len(channel) + 16
        if (chunk or gone) and size + cost > CHUNK_BYTES:
            bodies.append(body())
            chunk, gone, size = {}, {}, 0
        if users is not None:
            chunk[channel] = users
        if ids:
            gone[channel] = ids
        size += cost
    if chunk or gone or not bodies:
        bodies.append(body())
    return bodies


def parse(body: bytes) -> Announcement:
    """Read one presence message; raises :class:`WireError` when it is not one."""
    if len(body) > MAX_BODY:
        raise WireError("too large")
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WireError("not JSON") from None
    if not isinstance(message, dict) or message.get("v") != VERSION:
        raise WireError("not a version 1 presence message")
    gateway, kind, ttl = message.get("gateway"), message.get("kind"), message.get("ttl")
    if not isinstance(gateway, str) or not 0 < len(gateway) <= 200:
        raise WireError("gateway must be a non-empty string")
    if kind not in KINDS:
        raise WireError(f"kind must be one of {KINDS}")
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl <= MAX_TTL:
        raise WireError(f"ttl must be a number of seconds in (0, {MAX_TTL:g}]")
    raw = message.get("channels", {})
    if not isinstance(raw, dict):
        raise WireError("channels must be an object")
    channels = {channel: _parse_users(channel, users) for channel, users in raw.items()}
    raw_left = message.get("left", {})
    if not isinstance(raw_left, dict) or (raw_left and kind != "change"):
        raise WireError("left must be an object, and only in a change")
    left = {channel: _parse_ids(channel, ids) for channel, ids in raw_left.items()}
    return Announcement(gateway, str(kind), float(ttl), channels, left)


def _list_channel(channel: object) -> str:
    if not isinstance(channel, str) or not is_valid_channel(channel) or not has_presence(channel):
        raise WireError(f"not a list channel: {str(channel)[:80]!r}")
    return channel


def _parse_ids(channel: object, ids: object) -> list[str]:
    _list_channel(channel)
    if not isinstance(ids, list) or not all(
        isinstance(user_id, str) and 0 < len(user_id) <= MAX_NAME for user_id in ids
    ):
        raise WireError("left is a list of user ids")
    return ids


def _parse_users(channel: object, users: object) -> dict[str, str]:
    _list_channel(channel)
    if not isinstance(users, list):
        raise WireError("users must be a list")
    parsed: dict[str, str] = {}
    for user in users:
        user_id = user.get("id") if isinstance(user, dict) else None
        name = user.get("username") if isinstance(user, dict) else None
        if not isinstance(user_id, str) or not isinstance(name, str):
            raise WireError("a user is {id, username}, both strings")
        if not 0 < len(user_id) <= MAX_NAME or not 0 < len(name) <= MAX_NAME:
            raise WireError("user id or username of the wrong length")
        parsed[user_id] = name
    return parsed
