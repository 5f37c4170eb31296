"""Queries: what the read endpoints show, from the read models (Django ORM, read-only).

Reads never go through the aggregates; they come from the projector's tables and carry the
projector's position (``X-Read-Position``). Answers are plain dicts in the contract's shape.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from todo_shared.envelope import format_time
from todo_shared.readmodels.models import (
    ActivityView,
    ListMemberView,
    ListView,
    ProjectorCheckpoint,
    TodoView,
)

from todo_api.application.after_commit import read_after_commit
from todo_api.application.errors import ApplicationError
from todo_api.application.handlers import ListWritten, TodoWritten
from todo_api.application.ports import Directory, Recorder

PROJECTION = "read-models"
MAX_WAIT_SECONDS = 5.0


def parse_uuid(value: str, what: str) -> str:
    """A path id; anything that is not a UUID is simply not found."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApplicationError("not_found", f"no such {what}") from None


def read_position() -> int:
    row = ProjectorCheckpoint.objects.filter(name=PROJECTION).first()
    return row.position if row else 0


def wait_for_position(recorder: Recorder, min_position: int) -> int:
    """Read-your-writes: wait (at most 5 s) until the projector has applied ``min_position``."""
    newest = recorder.head()
    if min_position > newest:
        raise ApplicationError(
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
            raise ApplicationError(
                "unavailable",
                f"the read models are at position {current}, not yet {min_position}",
                retry_after=1,
            )
        time.sleep(0.02)


def _render_list(row: ListView, members: list[ListMemberView]) -> dict[str, Any]:
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


def _render_todo(row: TodoView) -> dict[str, Any]:
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
    return [_render_list(r, members.get(str(r.list_id), [])) for r in rows]


def list_detail(user_id: str, list_id: str) -> dict[str, Any]:
    row = ListView.objects.filter(list_id=list_id).first()
    if row is None or not ListMemberView.objects.filter(list_id=list_id, user_id=user_id).exists():
        raise ApplicationError("not_found", "no such list")
    members = _members_by_list([row.list_id]).get(str(row.list_id), [])
    todos = TodoView.objects.filter(list_id=list_id).order_by("created_position")
    return {**_render_list(row, members), "todos": [_render_todo(t) for t in todos]}


def activity(user_id: str, list_id: str, limit: int) -> list[dict[str, Any]]:
    if not ListMemberView.objects.filter(list_id=list_id, user_id=user_id).exists():
        raise ApplicationError("not_found", "no such list")
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


def written_list(written: ListWritten, directory: Directory) -> dict[str, Any]:
    """The ``list`` representation right after a write, from the aggregate itself.

    Counts come from the read model (as of ``X-Read-Position``); the rest is the write side.
    """
    todo_list = written.todo_list
    # The command has committed: a broken connection now must not turn it into a 503.
    names = read_after_commit(lambda: directory.usernames(todo_list.members))
    counts = read_after_commit(
        lambda: (
            ListView.objects.filter(list_id=todo_list.list_id)
            .values("open_count", "done_count")
            .first()
        )
    )
    return {
        "id": todo_list.list_id,
        "name": todo_list.name,
        "owner_id": todo_list.owner_id,
        "members": [{"id": m, "username": names.get(m, "")} for m in todo_list.members],
        "open_count": counts["open_count"] if counts else 0,
        "done_count": counts["done_count"] if counts else 0,
        "version": todo_list.version,
        "position": written.position,
    }


def written_todo(written: TodoWritten) -> dict[str, Any]:
    """The ``todo`` representation right after a write, from its stream."""
    todo = written.todo
    assert written.created_at is not None and written.updated_at is not None
    return {
        "id": todo.todo_id,
        "list_id": todo.list_id,
        "title": todo.title,
        "completed": todo.completed,
        "version": todo.version,
        "position": written.position,
        "created_at": format_time(written.created_at),
        "updated_at": format_time(written.updated_at),
    }
