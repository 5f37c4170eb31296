"""Reading the event store (``todo_shared.eventstore``) for the projection."""

from __future__ import annotations

from datetime import datetime

from todo_shared.eventstore.models import StoredEvent
from todo_shared.eventstore.recorder import EventRecorder

from projector.domain.rows import Event


def to_event(row: StoredEvent) -> Event:
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


def read_events(after: int, limit: int, through: int | None = None) -> list[Event]:
    """Store events with ``after < position (<= through)``, ascending, at most ``limit``."""
    rows = StoredEvent.objects.filter(position__gt=after)
    if through is not None:
        rows = rows.filter(position__lte=through)
    return [to_event(row) for row in rows.order_by("position")[:limit]]


def head_position() -> int:
    """The newest stored position (0 for an empty store)."""
    return EventRecorder().last_position()


def event_ids_at(positions: list[int]) -> dict[int, str]:
    """``position → event id`` for those of ``positions`` that are stored."""
    found = StoredEvent.objects.filter(position__in=positions).values_list("position", "event_id")
    return {position: str(event_id) for position, event_id in found}


def recorded_at(position: int) -> datetime | None:
    """When the event at ``position`` was stored (``None`` if there is none)."""
    row = StoredEvent.objects.filter(position=position).values_list("recorded_at", flat=True)
    return next(iter(row), None)


def stored_event(position: int) -> StoredEvent | None:
    return StoredEvent.objects.filter(position=position).first()
