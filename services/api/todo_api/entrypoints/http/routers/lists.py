"""``/api/lists``: lists, members and activity."""

# No `from __future__ import annotations`: ninja reads these annotations at import time,
# through decorators whose module globals differ.
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from todo_api.application import commands, handlers, queries
from todo_api.bootstrap import wired
from todo_api.entrypoints.http.auth import USER_AUTH
from todo_api.entrypoints.http.headers import IF_MATCH, actor_of, parse_if_match, read, wrote
from todo_api.entrypoints.http.idempotency import idempotent
from todo_api.entrypoints.http.responses import BODY, USER, errors
from todo_api.entrypoints.http.schemas import (
    ActivityOut,
    ActivityQuery,
    ListOut,
    ListWithTodosOut,
    MemberIn,
    NameIn,
    ReadQuery,
    UserOut,
)

router = Router(tags=["lists"], auth=USER_AUTH)
Body = dict[str, Any]


def _list_id(raw: str) -> str:
    return queries.parse_uuid(raw, "list")


def _written(response: HttpResponse, written: handlers.ListWritten) -> Body:
    wrote(response, written.write_position)
    return queries.written_list(written, wired().directory)


@router.get(
    "",
    response={200: list[ListOut], **errors(400, 401)},
    operation_id="list_lists",
    summary="The lists I belong to",
)
def get_lists(request: HttpRequest, response: HttpResponse, q: Query[ReadQuery]) -> list[Body]:
    read(response, q.min_position)
    return queries.lists_of(actor_of(request).user_id)


@router.post(
    "",
    response={201: ListOut, **errors(*BODY, *USER, 409, 422)},
    operation_id="create_list",
    summary="Create a list",
)
@idempotent
def create_list(request: HttpRequest, response: HttpResponse, payload: NameIn) -> Status[Body]:
    cmd = commands.CreateList(actor_of(request), payload.name)
    return Status(201, _written(response, handlers.create_list(cmd, wired().uow)))


@router.get(
    "/{id}",
    response={200: ListWithTodosOut, **errors(400, 401, 404)},
    operation_id="get_list",
    summary="One list with its todos (oldest first)",
)
def get_list(request: HttpRequest, response: HttpResponse, id: str, q: Query[ReadQuery]) -> Body:
    list_id = _list_id(id)
    read(response, q.min_position)
    return queries.list_detail(actor_of(request).user_id, list_id)


@router.patch(
    "/{id}",
    response={200: ListOut, **errors(*BODY, *USER, 404, 409)},
    operation_id="rename_list",
    summary="Rename a list (owner)",
)
def rename_list(
    request: HttpRequest,
    response: HttpResponse,
    id: str,
    payload: NameIn,
    if_match: str | None = IF_MATCH,
) -> Body:
    cmd = commands.RenameList(
        actor_of(request), _list_id(id), payload.name, parse_if_match(if_match)
    )
    return _written(response, handlers.rename_list(cmd, wired().uow))


@router.delete(
    "/{id}",
    response={204: None, **errors(400, *USER, 404, 409)},
    operation_id="delete_list",
    summary="Delete a list (owner)",
)
def delete_list(
    request: HttpRequest, response: HttpResponse, id: str, if_match: str | None = IF_MATCH
) -> Status[None]:
    cmd = commands.DeleteList(actor_of(request), _list_id(id), parse_if_match(if_match))
    wrote(response, handlers.delete_list(cmd, wired().uow).write_position)
    return Status(204, None)


@router.post(
    "/{id}/members",
    response={201: UserOut, **errors(*BODY, *USER, 404, 409, 422)},
    operation_id="add_member",
    summary="Add a member (owner)",
)
@idempotent
def add_member(
    request: HttpRequest, response: HttpResponse, id: str, payload: MemberIn
) -> Status[Body]:
    cmd = commands.AddMember(actor_of(request), _list_id(id), payload.username)
    added = handlers.add_member(cmd, wired().uow, wired().directory)
    wrote(response, added.write_position)
    return Status(201, {"id": added.member.id, "username": added.member.username})


@router.delete(
    "/{id}/members/{user_id}",
    response={204: None, **errors(400, *USER, 404, 409)},
    operation_id="remove_member",
    summary="Remove a member (owner), or leave (yourself)",
)
def remove_member(
    request: HttpRequest,
    response: HttpResponse,
    id: str,
    user_id: str,
    if_match: str | None = IF_MATCH,
) -> Status[None]:
    cmd = commands.RemoveMember(actor_of(request), _list_id(id), user_id, parse_if_match(if_match))
    wrote(response, handlers.remove_member(cmd, wired().uow).write_position)
    return Status(204, None)


@router.get(
    "/{id}/activity",
    response={200: list[ActivityOut], **errors(400, 401, 404)},
    operation_id="list_activity",
    summary="The list's activity, newest first",
)
def activity(
    request: HttpRequest, response: HttpResponse, id: str, q: Query[ActivityQuery]
) -> list[Body]:
    list_id = _list_id(id)
    read(response, q.min_position)
    return queries.activity(actor_of(request).user_id, list_id, q.limit)
