"""Handlers for the realtime side: issuing tokens and the catch-up endpoint ``GET /api/events``."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from todo_shared.channels import is_valid_channel, user_channel
from todo_shared.envelope import format_time
from todo_shared.eventstore.recorder import EventRecorder, to_envelope
from todo_shared.tokens import TokenError, issue_token, verify_token

from todo_api.http.api import Call, Reply, authenticate, bearer_token
from todo_api.http.errors import ApiError
from todo_api.services import selectors

MAX_TOKEN_CHANNELS = 100


def user_may_read(user_id: str, channel: str) -> bool:
    """The channel rule of CONTRACT.md §5, decided on the write side's access index."""
    kind, _, rest = channel.partition(":")
    if kind == "public":
        return True
    if kind == "user":
        return rest == user_id
    if kind == "list":
        return selectors.can_read_list(user_id, rest)
    return False


def realtime_token(call: Call) -> Reply:
    channels = call.body["channels"]
    invalid = [c for c in channels if not is_valid_channel(c)]
    if invalid:
        raise ApiError(
            "invalid_input", "invalid channel name", {"channels": f"invalid: {invalid[0]}"[:200]}
        )
    refused = [c for c in channels if not user_may_read(call.user_id, c)]
    if refused:
        raise ApiError("forbidden", f"channel not allowed: {refused[0]}", {"channels": refused[0]})
    position = EventRecorder().last_position()
    cfg = settings.SETTINGS
    token, expires = issue_token(
        cfg.realtime_secret,
        user_id=call.user_id,
        channels=list(dict.fromkeys(channels)),
        position=position,
        ttl=cfg.realtime_token_ttl,
        username=call.user.username if call.user is not None else None,  # for presence (§6)
    )
    return Reply(
        200,
        {
            "token": token,
            "channels": list(dict.fromkeys(channels)),
            "expires_at": format_time(datetime.fromtimestamp(expires, UTC)),
            "position": position,
        },
    )


def _readable_channels(call: Call, channel: str | None) -> list[str] | None:
    """The channels this call reads; ``None`` means all (the gateway's service token)."""
    token = bearer_token(call.request)
    if token and token.count(".") == 2:  # a JWT: a realtime or service token
        try:
            claims = verify_token(settings.SETTINGS.realtime_secret, token)
        except TokenError as exc:
            raise ApiError("unauthorized", str(exc)) from None
        if claims.is_service:
            return None if channel is None else [channel]
        user_id = claims.user_id or ""
        allowed = [c for c in claims.channels if user_may_read(user_id, c)]
    else:
        user, _ = authenticate(call.request)
        if user is None:
            raise ApiError("unauthorized", "send a bearer token, realtime token or session cookie")
        user_id = str(user.pk)
        if channel is not None:
            allowed = [channel] if user_may_read(user_id, channel) else []
        else:
            lists = [f"list:{i}" for i in selectors.member_list_ids(user_id)]
            allowed = [user_channel(user_id), *lists]
    if channel is None:
        return allowed
    if channel not in allowed:
        raise ApiError("forbidden", "you may not read that channel", {"channel": channel})
    return [channel]


def events(call: Call) -> Reply:
    after = call.query_int("after", 0, 0, 2**62)
    limit = call.query_int("limit", 100, 1, 1000)
    channel = call.request.GET.get("channel") or None
    if channel is not None and not is_valid_channel(channel):
        raise ApiError("bad_request", "invalid channel name", {"channel": "invalid"})
    readable = _readable_channels(call, channel)
    recorder = EventRecorder()
    newest = recorder.last_position()
    if readable is None:
        rows = recorder.read_all(after, limit)
    else:
        rows = recorder.read_channels(readable, after, limit) if readable else []
    rows = [r for r in rows if r.position <= newest]
    last = rows[-1].position if len(rows) >= limit else max(after, newest)
    return Reply(200, {"events": [to_envelope(r) for r in rows], "last_position": last})
