"""Who may read which channel (CONTRACT.md §5), realtime tokens, and the catch-up page.

Decided on the write side's access index, so a removed member loses access at once even
while the projector lags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from todo_shared.channels import is_valid_channel, user_channel
from todo_shared.envelope import format_time
from todo_shared.tokens import RealtimeClaims, issue_token

from todo_api.application.errors import ApplicationError
from todo_api.application.ports import AccessIndex, Recorder


def user_may_read(access: AccessIndex, user_id: str, channel: str) -> bool:
    """``public:*`` for anyone, ``user:<you>``, and ``list:<id>`` of lists you belong to."""
    kind, _, rest = channel.partition(":")
    if kind == "public":
        return True
    if kind == "user":
        return rest == user_id
    if kind == "list":
        return access.can_read(user_id, rest)
    return False


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    ttl: int


def issue_realtime_token(
    access: AccessIndex,
    recorder: Recorder,
    settings: TokenSettings,
    user_id: str,
    channels: Sequence[str],
    username: str | None = None,
) -> dict[str, Any]:
    """A short-lived token for the gateway naming ``channels``; each must be readable now.

    ``username`` travels in the token so the gateway can show who is present (§6).
    """
    invalid = [ch for ch in channels if not is_valid_channel(ch)]
    if invalid:
        raise ApplicationError(
            "invalid_input", "invalid channel name", {"channels": f"invalid: {invalid[0]}"[:200]}
        )
    refused = [ch for ch in channels if not user_may_read(access, user_id, ch)]
    if refused:
        raise ApplicationError(
            "forbidden", f"channel not allowed: {refused[0]}", {"channels": refused[0]}
        )
    unique = list(dict.fromkeys(channels))
    position = recorder.head()
    token, expires = issue_token(
        settings.secret,
        user_id=user_id,
        channels=unique,
        position=position,
        ttl=settings.ttl,
        username=username,
    )
    return {
        "token": token,
        "channels": unique,
        "expires_at": format_time(datetime.fromtimestamp(expires, UTC)),
        "position": position,
    }


@dataclass(frozen=True)
class Reader:
    """Who reads ``/api/events``: a user (bearer or session) or a realtime/service token."""

    user_id: str | None = None
    claims: RealtimeClaims | None = None


def readable_channels(access: AccessIndex, reader: Reader, channel: str | None) -> list[str] | None:
    """The channels this reader reads; ``None`` means all (the gateway's service token)."""
    if channel is not None and not is_valid_channel(channel):
        raise ApplicationError("bad_request", "invalid channel name", {"channel": "invalid"})
    if reader.claims is not None:
        if reader.claims.is_service:
            return None if channel is None else [channel]
        user_id = reader.claims.user_id or ""
        allowed = [ch for ch in reader.claims.channels if user_may_read(access, user_id, ch)]
    else:
        user_id = reader.user_id or ""
        if channel is not None:
            allowed = [channel] if user_may_read(access, user_id, channel) else []
        else:
            lists = [f"list:{i}" for i in access.list_ids_of(user_id)]
            allowed = [user_channel(user_id), *lists]
    if channel is None:
        return allowed
    if channel not in allowed:
        raise ApplicationError("forbidden", "you may not read that channel", {"channel": channel})
    return [channel]


def events_page(
    recorder: Recorder, readable: list[str] | None, after: int, limit: int
) -> tuple[list[Any], int]:
    """Stored events after ``after`` of ``readable`` channels, and ``last_position``.

    ``last_position`` is the last returned event's position when the page is full, else
    the newest store position at the time of the call (never less than ``after``), so
    paging with ``after=last_position`` always moves forward.
    """
    newest = recorder.head()
    if readable is None:
        rows = list(recorder.read_all(after, limit))
    else:
        rows = list(recorder.read_channels(readable, after, limit)) if readable else []
    rows = [r for r in rows if r.position <= newest]
    last = rows[-1].position if len(rows) >= limit else max(after, newest)
    return rows, last
