"""Handlers for todos."""

from __future__ import annotations

from typing import Any

from todo_shared.envelope import format_time

from todo_api.domain.todo import Todo
from todo_api.http.api import Call, Reply
from todo_api.services import commands, selectors
from todo_api.services.unit_of_work import Outcome


def todo_body(todo: Todo, outcome: Outcome) -> dict[str, Any]:
    """The ``todo`` representation right after a write, from its stream."""
    rows = [
        *outcome.loaded.rows.get(f"todo-{todo.todo_id}", []),
        *[r for r in outcome.stored if r.stream == f"todo-{todo.todo_id}"],
    ]
    return {
        "id": todo.todo_id,
        "list_id": todo.list_id,
        "title": todo.title,
        "completed": todo.completed,
        "version": todo.version,
        "position": rows[-1].position,
        "created_at": format_time(rows[0].occurred_at),
        "updated_at": format_time(rows[-1].occurred_at),
    }


def create_todo(call: Call) -> Reply:
    list_id = selectors.parse_uuid(call.params["id"], "list")
    todo_id, outcome = commands.create_todo(call.actor, list_id, call.body["title"])
    todo = outcome.loaded.todos[todo_id]
    for row in outcome.stored:
        todo.apply(row.type, row.data)
    return Reply(201, todo_body(todo, outcome), outcome.last_position)


def change_todo(call: Call) -> Reply:
    todo_id = selectors.parse_uuid(call.params["id"], "todo")
    outcome = commands.change_todo(
        call.actor, todo_id, call.body.get("title"), call.body.get("completed"), call.if_match()
    )
    body = todo_body(outcome.loaded.todos[todo_id], outcome)
    return Reply(200, body, outcome.last_position or body["position"])


def delete_todo(call: Call) -> Reply:
    todo_id = selectors.parse_uuid(call.params["id"], "todo")
    outcome = commands.delete_todo(call.actor, todo_id, call.if_match())
    return Reply(204, None, outcome.last_position)
