"""The shapes of client requests (CONTRACT.md §5), checked before anything else."""

from __future__ import annotations

from dataclasses import dataclass

from todo_shared.channels import is_valid_channel

from gateway.domain.access import Refused

MAX_POSITION = 2**63 - 1


@dataclass(frozen=True)
class SubscribeRequest:
    """``subscribe {channel, since?, token?}``."""

    channel: str
    since: int | None
    token: str | None


def parse_subscribe(payload: object) -> SubscribeRequest | Refused:
    """Check a ``subscribe`` payload; a wrong shape is ``bad_request``."""
    if not isinstance(payload, dict):
        return Refused("bad_request", "subscribe takes an object {channel, since?, token?}")
    channel = payload.get("channel")
    if not is_valid_channel(channel):
        return Refused("bad_request", "channel must be list:<uuid>, user:<id> or public:<name>")
    assert isinstance(channel, str)
    since = payload.get("since")
    if since is not None and (
        isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= MAX_POSITION
    ):
        return Refused("bad_request", "since must be a non-negative integer position")
    token = payload.get("token")
    if token is not None and not isinstance(token, str):
        return Refused("bad_request", "token must be a string")
    return SubscribeRequest(channel, since, token)


def parse_unsubscribe(payload: object) -> str | Refused:
    """Check an ``unsubscribe {channel}`` payload; returns the channel."""
    channel = payload.get("channel") if isinstance(payload, dict) else None
    if not isinstance(channel, str) or not is_valid_channel(channel):
        return Refused("bad_request", "unsubscribe takes {channel} with a valid channel name")
    return channel
