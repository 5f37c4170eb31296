"""``/api/realtime/token`` and the catch-up endpoint ``/api/events``."""

# No `from __future__ import annotations`: ninja reads these annotations at import time,
# through decorators whose module globals differ.
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from todo_shared.eventstore.recorder import to_envelope

from todo_api.application import access
from todo_api.bootstrap import wired
from todo_api.entrypoints.http.auth import EVENTS_AUTH, USER_AUTH
from todo_api.entrypoints.http.headers import user_of
from todo_api.entrypoints.http.idempotency import idempotent
from todo_api.entrypoints.http.responses import BODY, USER, errors
from todo_api.entrypoints.http.schemas import (
    ChannelsIn,
    EventPageOut,
    EventsQuery,
    RealtimeTokenOut,
)

router = Router(tags=["realtime"])


@router.post(
    "/realtime/token",
    auth=USER_AUTH,
    response={200: RealtimeTokenOut, **errors(*BODY, *USER, 409, 422)},
    operation_id="issue_realtime_token",
    summary="A short-lived token for the Socket.IO gateway",
)
@idempotent
def realtime_token(
    request: HttpRequest, response: HttpResponse, payload: ChannelsIn
) -> Status[dict[str, Any]]:
    services = wired()
    user = user_of(request)
    body = access.issue_realtime_token(
        services.access,
        services.recorder,
        services.tokens,
        str(user.pk),
        payload.channels,
        username=user.username,  # shown to the list's other viewers (presence, §6)
    )
    return Status(200, body)


@router.get(
    "/events",
    auth=EVENTS_AUTH,
    response={200: EventPageOut, **errors(400, *USER)},
    operation_id="list_events",
    summary="Catch up on store events (user, realtime or service token)",
)
def events(request: HttpRequest, q: Query[EventsQuery]) -> dict[str, Any]:
    services = wired()
    who = request.auth  # type: ignore[attr-defined]
    reader = (
        access.Reader(user_id=str(who.pk)) if isinstance(who, User) else access.Reader(claims=who)
    )
    readable = access.readable_channels(services.access, reader, q.channel or None)
    rows, last = access.events_page(services.recorder, readable, q.after, q.limit)
    return {"events": [to_envelope(r) for r in rows], "last_position": last}
