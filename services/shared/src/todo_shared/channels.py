"""Channel names and which channels an event goes to (CONTRACT.md §3)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from todo_shared.event_registry import STORE_EVENTS

PUBLIC_NAME = re.compile(r"[a-z0-9_.-]{1,64}")
USER_ID = re.compile(r"[0-9]{1,20}")


def is_valid_channel(name: object) -> bool:
    """True for ``list:<uuid>``, ``user:<id>`` and ``public:<name>``."""
    if not isinstance(name, str) or len(name) > 100:
        return False
    kind, sep, rest = name.partition(":")
    if not sep:
        return False
    if kind == "public":
        return PUBLIC_NAME.fullmatch(rest) is not None
    if kind == "user":
        return USER_ID.fullmatch(rest) is not None
    if kind == "list":
        try:
            return str(uuid.UUID(rest)) == rest
        except ValueError:
            return False
    return False


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


def channels_for(event_type: str, data: Mapping[str, Any]) -> list[str]:
    """The channels a store event is broadcast to (the registry's rule, CONTRACT.md §3)."""
    known = STORE_EVENTS.get(event_type)
    if known is None:
        raise KeyError(f"{event_type} is not a store event type")
    return known.channels(data)
