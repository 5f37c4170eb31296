"""Reading the event store for the projection, through any ``todo_shared`` recorder."""

from __future__ import annotations

from datetime import datetime

from todo_shared.eventstore.interface import EventRecord, Recorder

from projector.domain.rows import Event


def to_event(row: EventRecord) -> Event:
    return Event(
        position=row.position,
        type=row.type,
        stream=row.stream,
        version=row.version,
        occurred_at=row.occurred_at,
        data=row.data,
        metadata=row.metadata,
        event_id=str(row.event_id),
    )


class StoreReader:
    """The store as the projector reads it: events after a position, and lookups."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def read_events(self, after: int, limit: int, through: int | None = None) -> list[Event]:
        """Store events with ``after < position (<= through)``, ascending, at most ``limit``."""
        return [to_event(row) for row in self.recorder.read_all(after, limit, through)]

    def head_position(self) -> int:
        """The newest stored position (0 for an empty store)."""
        return self.recorder.head()

    def event_ids_at(self, positions: list[int]) -> dict[int, str]:
        """``position → event id`` for those of ``positions`` that are stored."""
        return {row.position: str(row.event_id) for row in self.recorder.read_positions(positions)}

    def recorded_at(self, position: int) -> datetime | None:
        """When the event at ``position`` was stored (``None`` if there is none)."""
        row = self.stored_event(position)
        return None if row is None else row.recorded_at

    def stored_event(self, position: int) -> EventRecord | None:
        found = self.recorder.read_positions([position])
        return found[0] if found else None
