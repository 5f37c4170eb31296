"""The recorder: append with expected versions, read a stream, read everything in order.

Gap-free order: on PostgreSQL an append takes ``LOCK TABLE event_store IN EXCLUSIVE MODE``
(readers are not blocked) and numbers its events ``max(position) + 1 …`` inside the same
transaction, so positions commit in the order they are assigned and none is ever burnt by a
rollback. On SQLite the ``IMMEDIATE`` transaction already serialises writers. The same
round trip sends ``NOTIFY``, delivered at commit, so the relay wakes then.

Callers run :meth:`EventRecorder.append` inside ``transaction.atomic()`` together with
whatever else the command writes (the transactional outbox is the store itself).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from todo_shared.envelope import Envelope, build_envelope
from todo_shared.eventstore.models import StoredEvent, StoredEventChannel

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


def to_envelope(row: StoredEvent) -> Envelope:
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


class EventRecorder:
    """The event store's interface, on the Django default database."""

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[StoredEvent]:
        """Append ``events`` atomically after checking every ``expected`` stream version.

        ``expected`` maps stream → the version the caller decided on (0 for a new stream); it
        may name streams that get no new event (a check only). Streams with new events but not
        in ``expected`` are checked against the versions the events carry.
        Raises :class:`ConcurrencyError`.
        """
        checks = dict(expected or {})
        for event in events:
            checks.setdefault(event.stream, event.version - 1)
        with transaction.atomic():
            self._lock_and_notify()
            current, head = self._versions_and_head(list(checks))
            for stream, version in checks.items():
                if current.get(stream, 0) != version:
                    raise ConcurrencyError(stream, version, current.get(stream, 0))
            if not events:
                return []
            next_position = head + 1
            now = timezone.now()
            rows = [
                StoredEvent(
                    position=next_position + i,
                    event_id=uuid.UUID(e.event_id),
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
            StoredEvent.objects.bulk_create(rows)
            StoredEventChannel.objects.bulk_create(
                StoredEventChannel(channel=c, position=r.position) for r in rows for c in r.channels
            )
        return rows

    def _versions_and_head(self, streams: list[str]) -> tuple[dict[str, int], int]:
        """Each stream's version and the newest position, in one round trip."""
        table = StoredEvent._meta.db_table
        placeholders = ", ".join(["%s"] * len(streams)) or "NULL"
        sql = (
            f"SELECT stream, MAX(version) FROM {table} WHERE stream IN ({placeholders}) "  # noqa: S608
            f"GROUP BY stream UNION ALL SELECT NULL, MAX(position) FROM {table}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, streams)
            rows = cursor.fetchall()
        versions = {stream: int(v) for stream, v in rows if stream is not None}
        head = next((int(v or 0) for stream, v in rows if stream is None), 0)
        return versions, head

    def read_stream(self, stream: str) -> list[StoredEvent]:
        return list(StoredEvent.objects.filter(stream=stream).order_by("version"))

    def last_position(self) -> int:
        position = StoredEvent.objects.aggregate(p=Max("position"))["p"]
        return int(position or 0)

    def read_all(self, after: int, limit: int) -> list[StoredEvent]:
        """Events with ``position > after``, ascending, at most ``limit``."""
        return list(StoredEvent.objects.filter(position__gt=after).order_by("position")[:limit])

    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> list[StoredEvent]:
        """Events of any of ``channels`` with ``position > after``, ascending, at most ``limit``."""
        positions = (
            StoredEventChannel.objects.filter(channel__in=list(channels), position__gt=after)
            .order_by("position")
            .values_list("position", flat=True)
            .distinct()[:limit]
        )
        return list(StoredEvent.objects.filter(position__in=list(positions)).order_by("position"))

    def _lock_and_notify(self) -> None:
        """PostgreSQL: serialise appends until commit, and wake the relay at commit.

        ``NOTIFY`` is delivered only when (and if) the transaction commits, so it can be sent
        together with the lock; it carries no payload, the relay reads from its checkpoint.
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {StoredEvent._meta.db_table} IN EXCLUSIVE MODE; "
                    f'NOTIFY "{NOTIFY_CHANNEL}"'
                )
