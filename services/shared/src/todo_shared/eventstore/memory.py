"""An in-memory :class:`~todo_shared.eventstore.interface.Recorder`, for unit tests.

It passes the same contract suite as the database recorders (``tests/contracts``), so a
unit test that runs against it tests what production does. Thread-safe: one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from todo_shared.eventstore.interface import (
    ConcurrencyError,
    NewEvent,
    RecordedEvent,
    check_expected,
    numbered,
)


class InMemoryRecorder:
    """The event store in a list; position ``n`` is ``events[n - 1]``."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.clock = clock
        self.events: list[RecordedEvent] = []
        self._versions: dict[str, int] = {}
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[RecordedEvent]:
        with self._lock:
            for stream, version in check_expected(events, expected).items():
                actual = self._versions.get(stream, 0)
                if actual != version:
                    raise ConcurrencyError(stream, version, actual)
            versions = dict(self._versions)
            for event in events:  # several events of one stream must follow each other
                if event.version != versions.get(event.stream, 0) + 1 or event.event_id in (
                    self._ids
                ):
                    raise ValueError(f"event {event.event_id} does not follow its stream")
                versions[event.stream] = event.version
            now = self.clock()
            recorded = numbered(events, len(self.events), now)
            self.events.extend(recorded)
            self._versions = versions
            self._ids.update(e.event_id for e in events)
            return recorded

    def read_stream(self, stream: str) -> list[RecordedEvent]:
        with self._lock:
            return [e for e in self.events if e.stream == stream]

    def read_all(self, after: int, limit: int, through: int | None = None) -> list[RecordedEvent]:
        with self._lock:
            end = len(self.events) if through is None else min(through, len(self.events))
            return self.events[max(after, 0) : end][: max(limit, 0)]

    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> list[RecordedEvent]:
        wanted = set(channels)
        with self._lock:
            found = [e for e in self.events[max(after, 0) :] if wanted.intersection(e.channels)]
        return found[: max(limit, 0)]

    def read_positions(self, positions: Iterable[int]) -> list[RecordedEvent]:
        with self._lock:
            count = len(self.events)
            return [self.events[p - 1] for p in sorted(set(positions)) if 1 <= p <= count]

    def head(self) -> int:
        with self._lock:
            return len(self.events)

    def last_position(self) -> int:
        """The name :class:`~todo_shared.eventstore.recorder.EventRecorder` uses for :meth:`head`."""
        return self.head()
