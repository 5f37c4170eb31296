"""The contract's headers and the caller, as the routers need them (CONTRACT.md §4)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import Header

from todo_api.application import queries
from todo_api.application.after_commit import read_after_commit
from todo_api.application.commands import Actor
from todo_api.application.errors import ApplicationError
from todo_api.bootstrap import wired

IF_MATCH: Any = Header(
    None,
    alias="If-Match",
    description='the version you last saw, quoted ("3"), bare (3) or weak (W/"3"); 409 if it moved on',
)


def user_of(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def actor_of(request: HttpRequest) -> Actor:
    """The authenticated caller; ``X-Request-ID`` (if sent) becomes the correlation id."""
    user_id = str(user_of(request).pk)
    correlation = request.headers.get("X-Request-ID", "")[:100]
    return Actor(user_id, correlation) if correlation else Actor(user_id)


def parse_if_match(raw: str | None) -> int | None:
    if raw is None:
        return None
    text = raw.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ApplicationError(
            "bad_request", "If-Match must be a version number", {"If-Match": raw[:50]}
        )
    return int(text)


def wrote(response: HttpResponse, position: int) -> None:
    """``X-Write-Position``: the position of the last event the write appended."""
    response["X-Write-Position"] = str(position)


def read(response: HttpResponse, min_position: int | None) -> None:
    """Wait for ``min_position`` (if given), then stamp ``X-Read-Position``."""
    if min_position is not None:
        queries.wait_for_position(wired().recorder, min_position)
    # After a committed write too: a broken connection is retried once on a fresh one.
    response["X-Read-Position"] = str(read_after_commit(queries.read_position))
