"""Handlers for lists and members."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from todo_shared.readmodels.models import ListView

from todo_api.domain.todo_list import TodoList
from todo_api.http.after_commit import read_after_commit
from todo_api.http.api import Call, Reply
from todo_api.http.errors import ApiError
from todo_api.services import commands, selectors
from todo_api.services.unit_of_work import Outcome


def list_body(todo_list: TodoList, outcome: Outcome) -> dict[str, Any]:
    """The ``list`` representation right after a write, from the aggregate itself.

    Counts come from the read model (as of ``X-Read-Position``); the rest is the write side.
    """
    names = read_after_commit(lambda: selectors.usernames(todo_list.members))
    counts = read_after_commit(
        lambda: (
            ListView.objects.filter(list_id=todo_list.list_id)
            .values("open_count", "done_count")
            .first()
        )
    )
    rows = outcome.loaded.rows.get(f"list-{todo_list.list_id}", [])
    positions = [r.position for r in rows] + [r.position for r in outcome.stored]
    return {
        "id": todo_list.list_id,
        "name": todo_list.name,
        "owner_id": todo_list.owner_id,
        "members": [{"id": m, "username": names.get(m, "")} for m in todo_list.members],
        "open_count": counts["open_count"] if counts else 0,
        "done_count": counts["done_count"] if counts else 0,
        "version": todo_list.version,
        "position": max(positions, default=0),
    }


def _applied(outcome: Outcome, list_id: str) -> TodoList:
    todo_list = outcome.loaded.lists[list_id]
    for row in outcome.stored:
        if row.stream == f"list-{list_id}":
            todo_list.apply(row.type, row.data)
    return todo_list


def get_lists(call: Call) -> Reply:
    _wait(call)
    return Reply(200, selectors.lists_of(call.user_id), read_position=True)


def create_list(call: Call) -> Reply:
    list_id, outcome = commands.create_list(call.actor, call.body["name"])
    return Reply(201, list_body(_applied(outcome, list_id), outcome), outcome.last_position)


def get_list(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    _wait(call)
    return Reply(200, selectors.list_detail(call.user_id, list_id), read_position=True)


def rename_list(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    outcome = commands.rename_list(call.actor, list_id, call.body["name"], call.if_match())
    todo_list = _applied(outcome, list_id)
    return Reply(200, list_body(todo_list, outcome), _position(outcome, todo_list, list_id))


def delete_list(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    outcome = commands.delete_list(call.actor, list_id, call.if_match())
    return Reply(204, None, outcome.last_position)


def add_member(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    username = call.body["username"]
    user = User.objects.filter(username=username).first() if isinstance(username, str) else None
    if user is None:
        # Someone who cannot see the list learns nothing about users: "no such list".
        if not selectors.can_read_list(call.user_id, list_id):
            raise ApiError("not_found", "no such list")
        raise ApiError("not_found", "no such user", {"username": "unknown"})
    outcome = commands.add_member(call.actor, list_id, str(user.pk))
    return Reply(201, {"id": str(user.pk), "username": user.username}, outcome.last_position)


def remove_member(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    user_id = call.params["user_id"]
    if not user_id.isdigit() or len(user_id) > 20:
        raise ApiError("not_found", "no such member")
    outcome = commands.remove_member(call.actor, list_id, user_id, call.if_match())
    return Reply(204, None, outcome.last_position)


def activity(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    limit = call.query_int("limit", 50, 1, 500)
    _wait(call)
    return Reply(200, selectors.activity(call.user_id, list_id, limit), read_position=True)


def _wait(call: Call) -> None:
    raw = call.request.GET.get("min_position")
    if raw is not None:
        selectors.wait_for_position(call.query_int("min_position", 0, 0, 2**62))


def _position(outcome: Outcome, todo_list: TodoList, list_id: str) -> int | None:
    """``X-Write-Position``: the last appended event, or the list's own if nothing changed."""
    if outcome.last_position is not None:
        return outcome.last_position
    rows = outcome.loaded.rows.get(f"list-{list_id}", [])
    return rows[-1].position if rows else None
