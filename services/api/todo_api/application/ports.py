"""What the application layer needs from outside, as Protocols (implemented in ``adapters``).

The recorder port has the method names of ``todo_shared.eventstore.recorder.EventRecorder``
(``append``, ``read_stream``, ``last_position``, ``read_all``, ``read_channels``) so that
the Django recorder, the shared package's future in-memory one and the test fake all fit.
``NewEvent`` and ``ConcurrencyError`` are defined here, free of Django, so the command
handlers can be unit-tested without a database; :mod:`todo_api.adapters.event_store` hands
them to the Django recorder. (When todo_shared ships Django-free recorder types, this module
re-exports them and that adapter goes.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from todo_api.domain.events import DomainEvent


class ConcurrencyError(Exception):
    """A stream moved on since the caller read it."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream} is at version {actual}, expected {expected}")
        self.stream = stream
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended (no position yet)."""

    type: str
    stream: str
    version: int
    data: Mapping[str, Any]
    channels: Sequence[str]
    metadata: Mapping[str, Any]
    occurred_at: datetime
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class RecordedEvent(Protocol):
    """A stored event as the application reads it back."""

    @property
    def position(self) -> int: ...
    @property
    def stream(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def occurred_at(self) -> datetime: ...


class Recorder(Protocol):
    """The event store: append with expected versions, read a stream, read in order."""

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> Sequence[RecordedEvent]: ...
    def read_stream(self, stream: str) -> Sequence[RecordedEvent]: ...
    def last_position(self) -> int: ...
    def read_all(self, after: int, limit: int) -> Sequence[Any]: ...
    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> Sequence[Any]: ...


class AccessIndex(Protocol):
    """The write side's own membership index, kept in the command's transaction."""

    def record(self, event: DomainEvent) -> None:
        """Follow a membership event (created, added, removed, deleted); ignore the rest."""

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
