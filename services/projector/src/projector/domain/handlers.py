"""One small handler per event type, and :func:`apply_event` that picks it.

Rules every handler follows, so that applying live and replaying give the same rows:

* an event about a list that is not in the read models (deleted, or never seen) changes
  nothing — the store never produces one, and nothing is invented for it;
* each applied event of a live list adds one activity row at its position;
* ``ListView.position`` moves with every event that changes what a list shows (its name,
  members, or todo counts); ``TodoView.position`` with every event of the todo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from todo_shared.event_registry import (
    LIST_CREATED,
    LIST_DELETED,
    LIST_RENAMED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    TODO_COMPLETED,
    TODO_CREATED,
    TODO_DELETED,
    TODO_RENAMED,
    TODO_REOPENED,
    check_handles_exactly,
)

from projector.domain.rows import ActivityRow, Event, ListRow, MemberRow, TodoRow
from projector.domain.state import ReadModels
from projector.domain.summaries import summarize

Handler = Callable[[ReadModels, Event], None]


def _record(
    models: ReadModels, event: Event, list_id: str, subject: str = "", title: str = ""
) -> None:
    actor = models.username(event.actor)
    models.activity[event.position] = ActivityRow(
        position=event.position,
        list_id=list_id,
        type=event.type,
        actor=actor,
        summary=summarize(event.type, event.data, actor, subject, title),
        occurred_at=event.occurred_at,
    )


def _touch_list(models: ReadModels, event: Event, row: ListRow, **changes: object) -> None:
    models.lists[row.list_id] = replace(row, position=event.position, **changes)  # type: ignore[arg-type]


def apply_list_created(models: ReadModels, event: Event) -> None:
    list_id, owner_id = event.data["list_id"], str(event.data["owner_id"])
    if list_id in models.lists:
        return
    models.lists[list_id] = ListRow(
        list_id=list_id,
        name=event.data["name"],
        owner_id=owner_id,
        open_count=0,
        done_count=0,
        version=event.version,
        position=event.position,
        created_at=event.occurred_at,
    )
    models.members[(list_id, owner_id)] = MemberRow(
        list_id, owner_id, models.username(owner_id), event.position
    )
    _record(models, event, list_id)


def apply_list_renamed(models: ReadModels, event: Event) -> None:
    row = models.lists.get(event.data["list_id"])
    if row is None:
        return
    _touch_list(models, event, row, name=event.data["name"], version=event.version)
    _record(models, event, row.list_id)


def apply_list_deleted(models: ReadModels, event: Event) -> None:
    list_id = event.data["list_id"]
    if list_id in models.lists:
        models.remove_list(list_id)


def apply_member_added(models: ReadModels, event: Event) -> None:
    row = models.lists.get(event.data["list_id"])
    if row is None:
        return
    user_id = str(event.data["user_id"])
    username = models.username(user_id)
    models.members[(row.list_id, user_id)] = MemberRow(
        row.list_id, user_id, username, event.position
    )
    _touch_list(models, event, row, version=event.version)
    _record(models, event, row.list_id, subject=username)


def apply_member_removed(models: ReadModels, event: Event) -> None:
    row = models.lists.get(event.data["list_id"])
    if row is None:
        return
    user_id = str(event.data["user_id"])
    models.members.pop((row.list_id, user_id), None)
    _touch_list(models, event, row, version=event.version)
    _record(models, event, row.list_id, subject=models.username(user_id))


def _counts(row: ListRow, todo: TodoRow, sign: int) -> dict[str, int]:
    """The list's counts with ``todo`` added (``sign`` 1) or taken away (-1)."""
    if todo.completed:
        return {"done_count": row.done_count + sign}
    return {"open_count": row.open_count + sign}


def apply_todo_created(models: ReadModels, event: Event) -> None:
    row = models.lists.get(event.data["list_id"])
    todo_id = event.data["todo_id"]
    if row is None or todo_id in models.todos:
        return
    todo = TodoRow(
        todo_id=todo_id,
        list_id=row.list_id,
        title=event.data["title"],
        completed=False,
        version=event.version,
        position=event.position,
        created_position=event.position,
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )
    models.todos[todo_id] = todo
    _touch_list(models, event, row, **_counts(row, todo, +1))
    _record(models, event, row.list_id, title=todo.title)


def _existing_todo(models: ReadModels, event: Event) -> tuple[ListRow, TodoRow] | None:
    todo = models.todos.get(event.data["todo_id"])
    if todo is None:
        return None
    row = models.lists.get(todo.list_id)
    return None if row is None else (row, todo)


def _change_todo(models: ReadModels, event: Event, todo: TodoRow, **changes: object) -> TodoRow:
    changed = replace(
        todo,
        version=event.version,
        position=event.position,
        updated_at=event.occurred_at,
        **changes,  # type: ignore[arg-type]
    )
    models.todos[todo.todo_id] = changed
    return changed


def apply_todo_renamed(models: ReadModels, event: Event) -> None:
    found = _existing_todo(models, event)
    if found is None:
        return
    row, todo = found
    _change_todo(models, event, todo, title=event.data["title"])
    _record(models, event, row.list_id, title=todo.title)


def _set_completed(models: ReadModels, event: Event, completed: bool) -> None:
    found = _existing_todo(models, event)
    if found is None:
        return
    row, todo = found
    _change_todo(models, event, todo, completed=completed)
    moved = int(completed) - int(todo.completed)  # +1: one more done, one fewer open
    if moved:
        _touch_list(
            models, event, row, open_count=row.open_count - moved, done_count=row.done_count + moved
        )
    _record(models, event, row.list_id, title=todo.title)


def apply_todo_completed(models: ReadModels, event: Event) -> None:
    _set_completed(models, event, True)


def apply_todo_reopened(models: ReadModels, event: Event) -> None:
    _set_completed(models, event, False)


def apply_todo_deleted(models: ReadModels, event: Event) -> None:
    found = _existing_todo(models, event)
    if found is None:
        return
    row, todo = found
    del models.todos[todo.todo_id]
    _touch_list(models, event, row, **_counts(row, todo, -1))
    _record(models, event, row.list_id, title=todo.title)


HANDLERS: dict[str, Handler] = {
    LIST_CREATED.name: apply_list_created,
    LIST_RENAMED.name: apply_list_renamed,
    LIST_DELETED.name: apply_list_deleted,
    MEMBER_ADDED.name: apply_member_added,
    MEMBER_REMOVED.name: apply_member_removed,
    TODO_CREATED.name: apply_todo_created,
    TODO_RENAMED.name: apply_todo_renamed,
    TODO_COMPLETED.name: apply_todo_completed,
    TODO_REOPENED.name: apply_todo_reopened,
    TODO_DELETED.name: apply_todo_deleted,
}
check_handles_exactly(HANDLERS, "the projector's HANDLERS")


def apply_event(models: ReadModels, event: Event) -> None:
    """Apply one store event; types the projection does not know change nothing."""
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(models, event)


def replay(events: list[Event], usernames: dict[str, str] | None = None) -> ReadModels:
    """A fresh in-memory replay of ``events`` (in position order)."""
    models = ReadModels(usernames=usernames or {})
    for event in sorted(events, key=lambda e: e.position):
        apply_event(models, event)
    return models
