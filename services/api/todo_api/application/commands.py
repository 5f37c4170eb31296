"""Commands: what a caller asks the write side to do, one small dataclass each.

``actor`` is who asks; ``if_match`` (where present) is the version the caller pinned, which
answers ``version_conflict`` when the resource moved on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """Who runs a command, and the correlation id their request carries."""

    user_id: str
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class CreateList:
    actor: Actor
    name: object
    list_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class RenameList:
    actor: Actor
    list_id: str
    name: object
    if_match: int | None = None


@dataclass(frozen=True)
class DeleteList:
    actor: Actor
    list_id: str
    if_match: int | None = None


@dataclass(frozen=True)
class AddMember:
    actor: Actor
    list_id: str
    username: str


@dataclass(frozen=True)
class RemoveMember:
    actor: Actor
    list_id: str
    user_id: str
    if_match: int | None = None


@dataclass(frozen=True)
class CreateTodo:
    actor: Actor
    list_id: str
    title: object
    todo_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ChangeTodo:
    """Rename and/or complete or reopen a todo (the ``PATCH`` of one todo, one transaction)."""

    actor: Actor
    todo_id: str
    title: object = None
    completed: object = None
    if_match: int | None = None


@dataclass(frozen=True)
class DeleteTodo:
    actor: Actor
    todo_id: str
    if_match: int | None = None
