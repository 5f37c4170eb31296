"""Command handlers: one plain function per command, ``handler(cmd, uow) -> result``.

Each returns the aggregate as it is after the command, with the positions the answer needs,
so the edge only renders. Refusals are :class:`ApplicationError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from todo_api.application import commands as c
from todo_api.application.errors import ApplicationError
from todo_api.application.ports import Directory, UserRef
from todo_api.application.unit_of_work import Decision, Loaded, Outcome, UnitOfWork, require_version
from todo_api.domain.events import list_stream, todo_stream
from todo_api.domain.todo import Todo
from todo_api.domain.todo_list import TodoList


@dataclass(frozen=True)
class ListWritten:
    """A list after a command. ``position``: the list stream's last event."""

    todo_list: TodoList
    position: int
    write_position: int


@dataclass(frozen=True)
class TodoWritten:
    """A todo after a command, with when its stream began and last changed."""

    todo: Todo
    position: int
    write_position: int
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class MemberAdded:
    member: UserRef
    write_position: int


def _list_written(outcome: Outcome, list_id: str) -> ListWritten:
    stream = list_stream(list_id)
    return ListWritten(
        outcome.todo_list(list_id), outcome.last_position(stream), outcome.write_position(stream)
    )


def _todo_written(outcome: Outcome, todo_id: str) -> TodoWritten:
    stream = todo_stream(todo_id)
    rows = outcome.streams.get(stream, [])
    return TodoWritten(
        outcome.todo(todo_id),
        outcome.last_position(stream),
        outcome.write_position(stream),
        rows[0].occurred_at if rows else None,
        rows[-1].occurred_at if rows else None,
    )


def create_list(cmd: c.CreateList, uow: UnitOfWork) -> ListWritten:
    def decide(loaded: Loaded) -> Decision:
        return Decision(loaded.new_todo_list(cmd.list_id).create(cmd.actor.user_id, cmd.name))

    return _list_written(uow.run(cmd.actor, decide), cmd.list_id)


def _owned_list(loaded: Loaded, actor: c.Actor, list_id: str, if_match: int | None) -> TodoList:
    todo_list = loaded.todo_list(list_id)
    todo_list.require_visible_to(actor.user_id)
    require_version(todo_list.version, if_match)
    return todo_list


def rename_list(cmd: c.RenameList, uow: UnitOfWork) -> ListWritten:
    def decide(loaded: Loaded) -> Decision:
        todo_list = _owned_list(loaded, cmd.actor, cmd.list_id, cmd.if_match)
        return Decision(todo_list.rename(cmd.actor.user_id, cmd.name))

    return _list_written(uow.run(cmd.actor, decide), cmd.list_id)


def delete_list(cmd: c.DeleteList, uow: UnitOfWork) -> ListWritten:
    def decide(loaded: Loaded) -> Decision:
        todo_list = _owned_list(loaded, cmd.actor, cmd.list_id, cmd.if_match)
        return Decision(todo_list.delete(cmd.actor.user_id))

    return _list_written(uow.run(cmd.actor, decide), cmd.list_id)


def add_member(cmd: c.AddMember, uow: UnitOfWork, directory: Directory) -> MemberAdded:
    user = directory.find(cmd.username)
    if user is None:
        # Someone who cannot see the list learns nothing about users: "no such list".
        if not uow.access.can_read(cmd.actor.user_id, cmd.list_id):
            raise ApplicationError("not_found", "no such list")
        raise ApplicationError("not_found", "no such user", {"username": "unknown"})

    def decide(loaded: Loaded) -> Decision:
        return Decision(loaded.todo_list(cmd.list_id).add_member(cmd.actor.user_id, user.id))

    outcome = uow.run(cmd.actor, decide)
    return MemberAdded(user, outcome.write_position(list_stream(cmd.list_id)))


def remove_member(cmd: c.RemoveMember, uow: UnitOfWork) -> ListWritten:
    if not cmd.user_id.isdigit() or len(cmd.user_id) > 20:
        raise ApplicationError("not_found", "no such member")

    def decide(loaded: Loaded) -> Decision:
        todo_list = loaded.todo_list(cmd.list_id)
        todo_list.require_visible_to(cmd.actor.user_id)
        require_version(todo_list.version, cmd.if_match)
        return Decision(todo_list.remove_member(cmd.actor.user_id, cmd.user_id))

    return _list_written(uow.run(cmd.actor, decide), cmd.list_id)


def create_todo(cmd: c.CreateTodo, uow: UnitOfWork) -> TodoWritten:
    def decide(loaded: Loaded) -> Decision:
        todo_list = loaded.todo_list(cmd.list_id)
        events = loaded.new_todo(cmd.todo_id).create(cmd.actor.user_id, todo_list, cmd.title)
        # The list must still admit the actor when the todo is appended.
        return Decision(events, {list_stream(cmd.list_id): todo_list.version})

    return _todo_written(uow.run(cmd.actor, decide), cmd.todo_id)


def _editable_todo(
    loaded: Loaded, actor: c.Actor, todo_id: str, if_match: int | None
) -> tuple[Todo, TodoList, Decision]:
    """Load a todo the actor may edit (404 otherwise) and check ``If-Match``."""
    todo = loaded.todo(todo_id)
    todo_list = loaded.todo_list(todo.list_id) if todo.exists else None
    if todo_list is None or not todo_list.is_member(actor.user_id):
        raise ApplicationError("not_found", "no such todo")
    require_version(todo.version, if_match)
    return todo, todo_list, Decision([], {list_stream(todo.list_id): todo_list.version})


def change_todo(cmd: c.ChangeTodo, uow: UnitOfWork) -> TodoWritten:
    def decide(loaded: Loaded) -> Decision:
        todo, todo_list, decision = _editable_todo(loaded, cmd.actor, cmd.todo_id, cmd.if_match)
        decision.events = todo.change(cmd.actor.user_id, todo_list, cmd.title, cmd.completed)
        return decision

    return _todo_written(uow.run(cmd.actor, decide), cmd.todo_id)


def delete_todo(cmd: c.DeleteTodo, uow: UnitOfWork) -> TodoWritten:
    def decide(loaded: Loaded) -> Decision:
        todo, todo_list, decision = _editable_todo(loaded, cmd.actor, cmd.todo_id, cmd.if_match)
        decision.events = todo.delete(cmd.actor.user_id, todo_list)
        return decision

    return _todo_written(uow.run(cmd.actor, decide), cmd.todo_id)
