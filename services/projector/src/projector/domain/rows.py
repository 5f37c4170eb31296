"""Rows of the read models as plain immutable values, and the event they are built from.

The Django models in ``todo_shared.readmodels`` hold these values; keeping the projection on
plain dataclasses lets it run (and be tested) without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One store event, as the projection needs it."""

    position: int
    type: str
    stream: str
    version: int
    occurred_at: datetime
    data: Mapping[str, Any]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    event_id: str = ""

    @property
    def actor(self) -> str:
        """The user id that caused the event ("" when none was recorded)."""
        return str(self.metadata.get("actor", ""))


@dataclass(frozen=True, slots=True)
class ListRow:
    list_id: str
    name: str
    owner_id: str
    open_count: int
    done_count: int
    version: int
    position: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MemberRow:
    list_id: str
    user_id: str
    username: str
    position: int


@dataclass(frozen=True, slots=True)
class TodoRow:
    todo_id: str
    list_id: str
    title: str
    completed: bool
    version: int
    position: int
    created_position: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ActivityRow:
    position: int
    list_id: str
    type: str
    actor: str
    summary: str
    occurred_at: datetime


MemberKey = tuple[str, str]  # (list_id, user_id)
