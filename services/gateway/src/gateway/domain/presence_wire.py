"""The gateways' presence messages on ``<EVENTS_EXCHANGE>.presence`` (docs/gateway.md).

Only gateways read and write them, so the format is ours (CONTRACT.md §6)::

    {"v": 1, "gateway": "<sender id>", "kind": "state" | "hello" | "bye", "ttl": 10,
     "channels": {"list:<uuid>": [{"id": "7", "username": "alice"}, …], …}}

``channels`` gives, for each channel named, the *complete* set of users present there
through the sender's own connections (``[]``: nobody any more). ``hello`` also asks every
other gateway to announce all its channels at once; ``bye`` means "forget all of mine".
A large state is split over several messages of at most :data:`CHUNK_BYTES` each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from todo_shared.channels import is_valid_channel

from gateway.domain.presence import Users, has_presence

VERSION = 1
KINDS = ("state", "hello", "bye")
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


def _users_json(users: Users) -> list[dict[str, str]]:
    return [{"id": user_id, "username": name} for user_id, name in sorted(users.items())]


def encode(gateway: str, kind: str, ttl: float, channels: Mapping[str, Users]) -> list[bytes]:
    """The messages announcing ``channels`` (at least one, even with no channel)."""
    head = {"v": VERSION, "gateway": gateway, "kind": kind, "ttl": ttl}
    bodies: list[bytes] = []
    chunk: dict[str, list[dict[str, str]]] = {}
    size = 0
    for channel in sorted(channels):
        users = _users_json(channels[channel])
        cost = len(json.dumps(users)) + len(channel) + 8
        if chunk and size + cost > CHUNK_BYTES:
            bodies.append(json.dumps({**head, "channels": chunk}).encode())
            chunk, size = {}, 0
        chunk[channel] = users
        size += cost
    if chunk or not bodies:
        bodies.append(json.dumps({**head, "channels": chunk}).encode())
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
    return Announcement(gateway, str(kind), float(ttl), channels)


def _parse_users(channel: object, users: object) -> dict[str, str]:
    if not isinstance(channel, str) or not is_valid_channel(channel) or not has_presence(channel):
        raise WireError(f"not a list channel: {str(channel)[:80]!r}")
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
