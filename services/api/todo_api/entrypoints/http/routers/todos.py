"""``/api/lists/{id}/todos`` and ``/api/todos/{id}``."""

# No `from __future__ import annotations`: ninja reads these annotations at import time,
# through decorators whose module globals differ.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from todo_api.application import commands, handlers, queries
from todo_api.bootstrap import wired
from todo_api.entrypoints.http.auth import USER_AUTH
from todo_api.entrypoints.http.headers import IF_MATCH, actor_of, parse_if_match, wrote
from todo_api.entrypoints.http.idempotency import idempotent
from todo_api.entrypoints.http.responses import BODY, USER, errors
from todo_api.entrypoints.http.schemas import TitleIn, TodoChangeIn, TodoOut

router = Router(tags=["todos"], auth=USER_AUTH)
Body = dict[str, Any]


def _written(response: HttpResponse, written: handlers.TodoWritten) -> Body:
    wrote(response, written.write_position)
    return queries.written_todo(written)


@router.post(
    "/lists/{id}/todos",
    response={201: TodoOut, **errors(*BODY, *USER, 404, 409, 422)},
    operation_id="create_todo",
    summary="Add a todo",
)
@idempotent
def create_todo(
    request: HttpRequest, response: HttpResponse, id: str, payload: TitleIn
) -> Status[Body]:
    list_id = queries.parse_uuid(id, "list")
    cmd = commands.CreateTodo(actor_of(request), list_id, payload.title)
    return Status(201, _written(response, handlers.create_todo(cmd, wired().uow)))


@router.patch(
    "/todos/{id}",
    response={200: TodoOut, **errors(*BODY, *USER, 404, 409)},
    operation_id="change_todo",
    summary="Rename, complete or reopen a todo",
)
def change_todo(
    request: HttpRequest,
    response: HttpResponse,
    id: str,
    payload: TodoChangeIn,
    if_match: str | None = IF_MATCH,
) -> Body:
    cmd = commands.ChangeTodo(
        actor_of(request),
        queries.parse_uuid(id, "todo"),
        payload.title,
        payload.completed,
        parse_if_match(if_match),
    )
    return _written(response, handlers.change_todo(cmd, wired().uow))


@router.delete(
    "/todos/{id}",
    response={204: None, **errors(400, *USER, 404, 409)},
    operation_id="delete_todo",
    summary="Delete a todo",
)
def delete_todo(
    request: HttpRequest, response: HttpResponse, id: str, if_match: str | None = IF_MATCH
) -> Status[None]:
    cmd = commands.DeleteTodo(
        actor_of(request), queries.parse_uuid(id, "todo"), parse_if_match(if_match)
    )
    wrote(response, handlers.delete_todo(cmd, wired().uow).write_position)
    return Status(204, None)
