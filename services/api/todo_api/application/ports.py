"""What the application layer needs from outside, as Protocols (implemented in ``adapters``).

The event store port is the shared package's Django-free recorder interface
(:mod:`todo_shared.eventstore.interface`), re-exported here: the Django recorders
(:func:`todo_shared.eventstore.recorder.recorder_for`) implement it in production and
:class:`todo_shared.eventstore.memory.InMemoryRecorder` in the command handlers' unit tests.
The access index and the user directory are the API's own ports (``todo_api.adapters``).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from todo_shared.eventstore.interface import ConcurrencyError, EventRecord, NewEvent, Recorder

from todo_api.domain.events import DomainEvent

__all__ = [
    "AccessIndex",
    "Atomic",
    "Clock",
    "ConcurrencyError",
    "Directory",
    "EventRecord",
    "NewEvent",
    "Recorder",
    "UserRef",
]


class AccessIndex(Protocol):
    """The write side's own membership index, kept in the command's transaction."""

    def record(self, event: DomainEvent) -> None:
        """Apply the grants and revocations the event registry gives ``event``; ignore the rest."""

    def can_read(self, user_id: str, list_id: str) -> bool: ...
    def list_ids_of(self, user_id: str) -> list[str]: ...


@dataclass(frozen=True)
class UserRef:
    id: str
    username: str


class Directory(Protocol):
    """Users, by name and by id."""

    def find(self, username: str) -> UserRef | None: ...
    def usernames(self, user_ids: Iterable[str]) -> dict[str, str]: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Atomic(Protocol):
    """Opens one transaction (``django.db.transaction.atomic``, or a no-op in memory)."""

    def __call__(self) -> AbstractContextManager[Any]: ...
