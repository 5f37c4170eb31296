"""The ``TodoList`` aggregate: name, owner, members; who may do what to a list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from todo_api.domain.errors import Conflict, Forbidden, NotFound
from todo_api.domain.events import (
    LIST_CREATED,
    LIST_DELETED,
    LIST_RENAMED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    DomainEvent,
    apply_history,
    check_applies_exactly,
    list_stream,
)
from todo_api.domain.text import clean_text


@dataclass
class TodoList:
    """State of one list, rebuilt from its stream. ``version`` 0 means it does not exist."""

    list_id: str
    name: str = ""
    owner_id: str = ""
    members: list[str] = field(default_factory=list)  # in joining order, owner first
    deleted: bool = False
    version: int = 0

    @classmethod
    def replay(cls, list_id: str, history: Iterable[tuple[str, Mapping[str, Any]]]) -> TodoList:
        """Rebuild from ``(type, data)`` pairs in stream order."""
        return apply_history(cls(list_id), history)

    def apply(self, event_type: str, data: Mapping[str, Any]) -> None:
        self.version += 1
        _APPLY[event_type](self, data)

    def _created(self, data: Mapping[str, Any]) -> None:
        self.name, self.owner_id, self.members = data["name"], data["owner_id"], [data["owner_id"]]

    def _renamed(self, data: Mapping[str, Any]) -> None:
        self.name = data["name"]

    def _deleted(self, data: Mapping[str, Any]) -> None:
        self.deleted = True

    def _member_added(self, data: Mapping[str, Any]) -> None:
        self.members.append(data["user_id"])

    def _member_removed(self, data: Mapping[str, Any]) -> None:
        self.members.remove(data["user_id"])

    @property
    def exists(self) -> bool:
        return self.version > 0 and not self.deleted

    def is_member(self, user_id: str) -> bool:
        return self.exists and user_id in self.members

    # -- checks ----------------------------------------------------------------------------

    def require_visible_to(self, actor: str) -> None:
        """Lists that do not exist and lists the actor is not in look the same: 404."""
        if not self.is_member(actor):
            raise NotFound("no such list")

    def _require_owner(self, actor: str, action: str) -> None:
        self.require_visible_to(actor)
        if actor != self.owner_id:
            raise Forbidden(f"only the list's owner may {action}")

    # -- decisions -------------------------------------------------------------------------

    def _event(self, event_type: str, **data: Any) -> DomainEvent:
        return DomainEvent(
            event_type,
            list_stream(self.list_id),
            self.version + 1,
            {"list_id": self.list_id, **data},
        )

    def create(self, actor: str, name: object) -> list[DomainEvent]:
        if self.version:
            raise Conflict("the list exists already")
        return [self._event(LIST_CREATED, name=clean_text(name, "name"), owner_id=actor)]

    def rename(self, actor: str, name: object) -> list[DomainEvent]:
        self._require_owner(actor, "rename it")
        new_name = clean_text(name, "name")
        return [] if new_name == self.name else [self._event(LIST_RENAMED, name=new_name)]

    def delete(self, actor: str) -> list[DomainEvent]:
        self._require_owner(actor, "delete it")
        return [self._event(LIST_DELETED, member_ids=list(self.members))]

    def add_member(self, actor: str, user_id: str) -> list[DomainEvent]:
        self._require_owner(actor, "add members")
        if user_id in self.members:
            raise Conflict("that user is a member already", {"username": "already a member"})
        return [self._event(MEMBER_ADDED, user_id=user_id)]

    def remove_member(self, actor: str, user_id: str) -> list[DomainEvent]:
        self.require_visible_to(actor)
        if user_id not in self.members:
            raise NotFound("that user is not a member of this list")
        if actor == self.owner_id and user_id == actor:
            raise Forbidden("the owner cannot leave their own list; delete it instead")
        if actor != self.owner_id and user_id != actor:
            raise Forbidden("only the owner may remove other members")
        return [self._event(MEMBER_REMOVED, user_id=user_id)]


_APPLY: dict[str, Callable[[TodoList, Mapping[str, Any]], None]] = {
    LIST_CREATED: TodoList._created,
    LIST_RENAMED: TodoList._renamed,
    LIST_DELETED: TodoList._deleted,
    MEMBER_ADDED: TodoList._member_added,
    MEMBER_REMOVED: TodoList._member_removed,
}
check_applies_exactly(_APPLY, "list")
