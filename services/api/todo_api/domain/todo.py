"""The ``Todo`` aggregate: one item of a list. Who may touch it is the list's business."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from todo_api.domain.errors import Conflict, NotFound
from todo_api.domain.events import DomainEvent, todo_stream
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
        aggregate = cls(todo_id)
        for event_type, data in history:
            aggregate.apply(event_type, data)
        return aggregate

    def apply(self, event_type: str, data: Mapping[str, Any]) -> None:
        self.version += 1
        if event_type == "TodoCreated":
            self.list_id, self.title = data["list_id"], data["title"]
        elif event_type == "TodoRenamed":
            self.title = data["title"]
        elif event_type == "TodoCompleted":
            self.completed = True
        elif event_type == "TodoReopened":
            self.completed = False
        elif event_type == "TodoDeleted":
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
        return [self._event("TodoCreated", title=clean_text(title, "title"))]

    def change(
        self, actor: str, todo_list: TodoList, title: object = None, completed: object = None
    ) -> list[DomainEvent]:
        """Rename and/or complete or reopen; asking for the current state appends nothing."""
        self._require_editable(actor, todo_list)
        events: list[DomainEvent] = []
        if title is not None:
            new_title = clean_text(title, "title")
            if new_title != self.title:
                events.append(self._event("TodoRenamed", title=new_title))
                self.apply("TodoRenamed", {"title": new_title})
        if completed is not None and completed != self.completed:
            events.append(self._event("TodoCompleted" if completed else "TodoReopened"))
            self.apply(events[-1].type, {})
        return events

    def delete(self, actor: str, todo_list: TodoList) -> list[DomainEvent]:
        self._require_editable(actor, todo_list)
        return [self._event("TodoDeleted")]
