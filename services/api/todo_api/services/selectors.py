"""Selectors: what the read endpoints show, from the read models (and the access index)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.contrib.auth.models import User
from todo_shared.envelope import format_time
from todo_shared.eventstore.recorder import EventRecorder
from todo_shared.readmodels.models import (
    ActivityView,
    ListMemberView,
    ListView,
    ProjectorCheckpoint,
    TodoView,
)

from todo_api.http.errors import ApiError
from todo_api.identity.models import ListAccess

PROJECTION = "read-models"
MAX_WAIT_SECONDS = 5.0


def parse_uuid(value: str, what: str) -> str:
    """A path id; anything that is not a UUID is simply not found."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError("not_found", f"no such {what}") from None


def read_position() -> int:
    row = ProjectorCheckpoint.objects.filter(name=PROJECTION).first()
    return row.position if row else 0


def wait_for_position(min_position: int) -> int:
    """Read-your-writes: wait (at most 5 s) until the projector has applied ``min_position``."""
    newest = EventRecorder().last_position()
    if min_position > newest:
        raise ApiError(
            "bad_request",
            f"min_position {min_position} is beyond the newest stored position {newest}",
            {"min_position": f"at most {newest}"},
        )
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while True:
        current = read_position()
        if current >= min_position:
            return current
        if time.monotonic() >= deadline:
            raise ApiError(
                "unavailable",
                f"the read models are at position {current}, not yet {min_position}",
                headers={"Retry-After": "1"},
            )
        time.sleep(0.02)


def member_list_ids(user_id: str) -> list[str]:
    return [
        str(i) for i in ListAccess.objects.filter(user_id=user_id).values_list("list_id", flat=True)
    ]


def can_read_list(user_id: str, list_id: str) -> bool:
    return ListAccess.objects.filter(list_id=list_id, user_id=user_id).exists()


def usernames(user_ids: list[str]) -> dict[str, str]:
    ids = [int(i) for i in user_ids if i.isdigit()]
    return {
        str(pk): name for pk, name in User.objects.filter(pk__in=ids).values_list("pk", "username")
    }


def render_list(row: ListView, members: list[ListMemberView]) -> dict[str, Any]:
    return {
        "id": str(row.list_id),
        "name": row.name,
        "owner_id": row.owner_id,
        "members": [{"id": m.user_id, "username": m.username} for m in members],
        "open_count": row.open_count,
        "done_count": row.done_count,
        "version": row.version,
        "position": row.position,
    }


def render_todo(row: TodoView) -> dict[str, Any]:
    return {
        "id": str(row.todo_id),
        "list_id": str(row.list_id),
        "title": row.title,
        "completed": row.completed,
        "version": row.version,
        "position": row.position,
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def _members_by_list(list_ids: list[Any]) -> dict[str, list[ListMemberView]]:
    grouped: dict[str, list[ListMemberView]] = {}
    for member in ListMemberView.objects.filter(list_id__in=list_ids).order_by("position", "id"):
        grouped.setdefault(str(member.list_id), []).append(member)
    return grouped


def lists_of(user_id: str) -> list[dict[str, Any]]:
    ids = list(ListMemberView.objects.filter(user_id=user_id).values_list("list_id", flat=True))
    rows = list(ListView.objects.filter(list_id__in=ids).order_by("created_at", "list_id"))
    members = _members_by_list([r.list_id for r in rows])
    return [render_list(r, members.get(str(r.list_id), [])) for r in rows]


def list_detail(user_id: str, list_id: str) -> dict[str, Any]:
    row = ListView.objects.filter(list_id=list_id).first()
    if row is None or not ListMemberView.objects.filter(list_id=list_id, user_id=user_id).exists():
        raise ApiError("not_found", "no such list")
    members = _members_by_list([row.list_id]).get(str(row.list_id), [])
    todos = TodoView.objects.filter(list_id=list_id).order_by("created_position")
    return {**render_list(row, members), "todos": [render_todo(t) for t in todos]}


def activity(user_id: str, list_id: str, limit: int) -> list[dict[str, Any]]:
    if not ListMemberView.objects.filter(list_id=list_id, user_id=user_id).exists():
        raise ApiError("not_found", "no such list")
    rows = ActivityView.objects.filter(list_id=list_id).order_by("-position")[:limit]
    return [
        {
            "position": r.position,
            "type": r.type,
            "actor": r.actor,
            "summary": r.summary,
            "occurred_at": format_time(r.occurred_at),
        }
        for r in rows
    ]
