"""The recorder port on the shared package's Django recorder (PostgreSQL or SQLite).

A thin translation: the application's Django-free ``NewEvent`` becomes the shared one, and
the shared ``ConcurrencyError`` becomes the application's. Everything else is delegated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import todo_shared.eventstore.recorder as shared

from todo_api.application.ports import ConcurrencyError, NewEvent


class DjangoRecorder:
    """:class:`todo_api.application.ports.Recorder` on ``todo_shared``'s ``EventRecorder``."""

    def __init__(self, recorder: shared.EventRecorder | None = None) -> None:
        self._recorder = recorder or shared.EventRecorder()

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[Any]:
        new = [
            shared.NewEvent(
                type=e.type,
                stream=e.stream,
                version=e.version,
                data=e.data,
                channels=e.channels,
                metadata=e.metadata,
                occurred_at=e.occurred_at,
                event_id=e.event_id,
            )
            for e in events
        ]
        try:
            return self._recorder.append(new, expected)
        except shared.ConcurrencyError as exc:
            raise ConcurrencyError(exc.stream, exc.expected, exc.actual) from None

    def read_stream(self, stream: str) -> list[Any]:
        return self._recorder.read_stream(stream)

    def last_position(self) -> int:
        return self._recorder.last_position()

    def read_all(self, after: int, limit: int) -> list[Any]:
        return self._recorder.read_all(after, limit)

    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> list[Any]:
        return self._recorder.read_channels(channels, after, limit)
