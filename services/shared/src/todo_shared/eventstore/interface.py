"""The recorder interface of the event store, free of Django: what every backend provides.

A recorder appends events with expected stream versions (``(stream, version)`` is unique),
reads one stream, and reads everything in global ``position`` order. Positions are 1, 2, 3…
with no gap, and a reader that reads ``after`` its last position never skips one: a
position becomes visible only after every smaller one. Implementations:
:class:`~todo_shared.eventstore.memory.InMemoryRecorder`, and
:class:`~todo_shared.eventstore.recorder.SQLiteRecorder` /
:class:`~todo_shared.eventstore.recorder.PostgresRecorder` on the Django database. One
contract test suite (``tests/contracts/recorder.py``) runs against each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from todo_shared.envelope import Envelope, build_envelope

#: PostgreSQL ``NOTIFY`` channel an append signals at commit (the relay LISTENs on it).
NOTIFY_CHANNEL = "todo_event_store"


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


class EventRecord(Protocol):
    """A stored event as recorders return it (a Django row, or :class:`RecordedEvent`)."""

    @property
    def position(self) -> int: ...
    @property
    def event_id(self) -> object: ...  # a UUID or its string; ``str()`` gives the id
    @property
    def stream(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def channels(self) -> Sequence[str]: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def metadata(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class RecordedEvent:
    """A stored event as a plain value (the in-memory recorder's records)."""

    position: int
    event_id: str
    stream: str
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    channels: Sequence[str]
    data: Mapping[str, Any]
    metadata: Mapping[str, Any]


class Recorder(Protocol):
    """The event store as its users see it."""

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> Sequence[EventRecord]:
        """Append ``events`` atomically after checking every ``expected`` stream version.

        ``expected`` maps stream → the version the caller decided on (0 for a new stream);
        it may name streams that get no new event (a check only). Streams with new events
        but not in ``expected`` are checked against the versions the events carry. Raises
        :class:`ConcurrencyError` and then appends nothing.
        """
        ...

    def read_stream(self, stream: str) -> Sequence[EventRecord]:
        """The stream's events in version order (empty for a stream never written)."""
        ...

    def read_all(self, after: int, limit: int, through: int | None = None) -> Sequence[EventRecord]:
        """Events with ``after < position (<= through)``, ascending, at most ``limit``."""
        ...

    def read_channels(
        self, channels: Iterable[str], after: int, limit: int
    ) -> Sequence[EventRecord]:
        """Events of any of ``channels`` with ``position > after``, ascending, at most ``limit``."""
        ...

    def read_positions(self, positions: Iterable[int]) -> Sequence[EventRecord]:
        """The events stored at ``positions`` (those that exist), ascending."""
        ...

    def head(self) -> int:
        """The newest position (0 for an empty store)."""
        ...


def numbered(events: Sequence[NewEvent], head: int, now: datetime) -> list[RecordedEvent]:
    """``events`` as records at positions ``head + 1 …``, recorded ``now``."""
    return [
        RecordedEvent(
            position=head + 1 + i,
            event_id=e.event_id,
            stream=e.stream,
            version=e.version,
            type=e.type,
            occurred_at=e.occurred_at,
            recorded_at=now,
            channels=list(e.channels),
            data=dict(e.data),
            metadata=dict(e.metadata),
        )
        for i, e in enumerate(events)
    ]


def check_expected(
    events: Sequence[NewEvent], expected: Mapping[str, int] | None
) -> dict[str, int]:
    """Every stream version an append must find: ``expected`` plus the events' own."""
    checks = dict(expected or {})
    for event in events:
        checks.setdefault(event.stream, event.version - 1)
    return checks


def to_envelope(row: EventRecord) -> Envelope:
    """The contract envelope of a stored event."""
    return build_envelope(
        event_type=row.type,
        stream=row.stream,
        version=row.version,
        data=row.data,
        channels=row.channels,
        metadata=row.metadata,
        occurred_at=row.occurred_at,
        event_id=str(row.event_id),
        position=row.position,
    )
