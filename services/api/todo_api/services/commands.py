"""Command handlers: one small function per command, each ``(actor, ...) -> Outcome``."""

from __future__ import annotations

import uuid

from todo_api.domain.errors import NotFound
from todo_api.domain.events import list_stream
from todo_api.services.unit_of_work import Actor, Decision, Loaded, Outcome, require_version, run


def create_list(actor: Actor, name: object) -> tuple[str, Outcome]:
    list_id = str(uuid.uuid4())

    def decide(loaded: Loaded) -> Decision:
        return Decision(loaded.new_todo_list(list_id).create(actor.user_id, name))

    return list_id, run(actor, decide)


def rename_list(actor: Actor, list_id: str, name: object, if_match: int | None) -> Outcome:
    def decide(loaded: Loaded) -> Decision:
        todo_list = loaded.todo_list(list_id)
        todo_list.require_visible_to(actor.user_id)
        require_version(todo_list.version, if_match)
        return Decision(todo_list.rename(actor.user_id, name))

    return run(actor, decide)


def delete_list(actor: Actor, list_id: str, if_match: int | None) -> Outcome:
    def decide(loaded: Loaded) -> Decision:
        todo_list = loaded.todo_list(list_id)
        todo_list.require_visible_to(actor.user_id)
        require_version(todo_list.version, if_match)
        return Decision(todo_list.delete(actor.user_id))

    return run(actor, decide)


def add_member(actor: Actor, list_id: str, user_id: str) -> Outcome:
    def decide(loaded: Loaded) -> Decision:
        return Decision(loaded.todo_list(list_id).add_member(actor.user_id, user_id))

    return run(actor, decide)


def remove_member(actor: Actor, list_id: str, user_id: str, if_match: int | None) -> Outcome:
    def decide(loaded: Loaded) -> Decision:
        todo_list = loaded.todo_list(list_id)
        todo_list.require_visible_to(actor.user_id)
        require_version(todo_list.version, if_match)
        return Decision(todo_list.remove_member(actor.user_id, user_id))

    return run(actor, decide)


def create_todo(actor: Actor, list_id: str, title: object) -> tuple[str, Outcome]:
    todo_id = str(uuid.uuid4())

    def decide(loaded: Loaded) -> Decision:
        todo_list = loaded.todo_list(list_id)
        events = loaded.new_todo(todo_id).create(actor.user_id, todo_list, title)
        # The list must still admit the actor when the todo is appended.
        return Decision(events, {list_stream(list_id): todo_list.version})

    return todo_id, run(actor, decide)


def _editable_todo(loaded: Loaded, actor: Actor, todo_id: str, if_match: int | None) -> Decision:
    """Load a todo the actor may edit (404 otherwise) and check ``If-Match``."""
    todo = loaded.todo(todo_id)
    todo_list = loaded.todo_list(todo.list_id) if todo.exists else None
    if todo_list is None or not todo_list.is_member(actor.user_id):
        raise NotFound("no such todo")
    require_version(todo.version, if_match)
    return Decision([], {list_stream(todo.list_id): todo_list.version})


def change_todo(
    actor: Actor, todo_id: str, title: object, completed: object, if_match: int | None
) -> Outcome:
    def decide(loaded: Loaded) -> Decision:
        decision = _editable_todo(loaded, actor, todo_id, if_match)
        todo = loaded.todos[todo_id]
        decision.events = todo.change(actor.user_id, loaded.lists[todo.list_id], title, completed)
        return decision

    return run(actor, decide)


def delete_todo(actor: Actor, todo_id: str, if_match: int | None) -> Outcome:
    def decide(loaded: Loaded) -> Decision:
        decision = _editable_todo(loaded, actor, todo_id, if_match)
        todo = loaded.todos[todo_id]
        decision.events = todo.delete(actor.user_id, loaded.lists[todo.list_id])
        return decision

    return run(actor, decide)
