"""The ``Todo`` aggregate: one item of a list. Who may touch it is the list's business."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from todo_api.domain.errors import Conflict, NotFound
from todo_api.domain.events import (
    TODO_COMPLETED,
    TODO_CREATED,
    TODO_DELETED,
    TODO_RENAMED,
    TODO_REOPENED,
    DomainEvent,
    apply_history,
    check_applies_exactly,
    todo_stream,
)
from todo_api.domain.text import clean_text
from todo_api.domain.todo_list import TodoList


@dataclass
class Todo:
    """State of one todo, rebuilt from its stream. ``version`` 0 means it does not exist."""

    todo_id: str
    list_id: str = ""
    title: str = ""
    completed: bool = False
    deleted: bool = False
    version: int = 0

    @classmethod
    def replay(cls, todo_id: str, history: Iterable[tuple[str, Mapping[str, Any]]]) -> Todo:
        return apply_history(cls(todo_id), history)

    def apply(self, event_type: str, data: Mapping[str, Any]) -> None:
        self.version += 1
        _APPLY[event_type](self, data)

    def _created(self, data: Mapping[str, Any]) -> None:
        self.list_id, self.title = data["list_id"], data["title"]

    def _renamed(self, data: Mapping[str, Any]) -> None:
        self.title = data["title"]

    def _completed(self, data: Mapping[str, Any]) -> None:
        self.completed = True

    def _reopened(self, data: Mapping[str, Any]) -> None:
        self.completed = False

    def _deleted(self, data: Mapping[str, Any]) -> None:
        self.deleted = True

    @property
    def exists(self) -> bool:
        return self.version > 0 and not self.deleted

    def _event(self, event_type: str, **data: Any) -> DomainEvent:
        return DomainEvent(
            event_type,
            todo_stream(self.todo_id),
            self.version + 1,
            {"todo_id": self.todo_id, "list_id": self.list_id, **data},
        )

    def _require_editable(self, actor: str, todo_list: TodoList) -> None:
        """A member edits the todos of their list; a deleted todo or list is gone (404)."""
        if not self.exists or todo_list.list_id != self.list_id:
            raise NotFound("no such todo")
        if not todo_list.is_member(actor):
            raise NotFound("no such todo")

    def create(self, actor: str, todo_list: TodoList, title: object) -> list[DomainEvent]:
        todo_list.require_visible_to(actor)
        if self.version:
            raise Conflict("the todo exists already")
        self.list_id = todo_list.list_id
        return [self._event(TODO_CREATED, title=clean_text(title, "title"))]

    def change(
        self, actor: str, todo_list: TodoList, title: object = None, completed: object = None
    ) -> list[DomainEvent]:
        """Rename and/or complete or reopen; asking for the current state appends nothing."""
        self._require_editable(actor, todo_list)
        events: list[DomainEvent] = []
        if title is not None:
            new_title = clean_text(title, "title")
            if new_title != self.title:
                events.append(self._event(TODO_RENAMED, title=new_title))
                self.apply(TODO_RENAMED, {"title": new_title})
        if completed is not None and completed != self.completed:
            events.append(self._event(TODO_COMPLETED if completed else TODO_REOPENED))
            self.apply(events[-1].type, {})
        return events

    def delete(self, actor: str, todo_list: TodoList) -> list[DomainEvent]:
        self._require_editable(actor, todo_list)
        return [self._event(TODO_DELETED)]


_APPLY: dict[str, Callable[[Todo, Mapping[str, Any]], None]] = {
    TODO_CREATED: Todo._created,
    TODO_RENAMED: Todo._renamed,
    TODO_COMPLETED: Todo._completed,
    TODO_REOPENED: Todo._reopened,
    TODO_DELETED: Todo._deleted,
}
check_applies_exactly(_APPLY, "todo")
