"""The recorder on the Django database: :class:`SQLiteRecorder` and :class:`PostgresRecorder`.

Gap-free order: on PostgreSQL an append is one statement, ``event_store_append(…)``
(migration ``0002``; :mod:`todo_shared.eventstore.postgres`): it takes the table lock,
checks versions, numbers and inserts, so positions commit in the order they are assigned
and none is ever burnt by a rollback; outside a transaction the lock is held only inside
that statement. On SQLite (:class:`SQLiteRecorder`, the ORM) the ``IMMEDIATE`` transaction
already serialises writers. :class:`EventRecorder` picks the one of the database's vendor.

Callers may run :meth:`DjangoRecorder.append` inside ``transaction.atomic()`` together with
whatever else the command writes (the transactional outbox is the store itself). The
interface (:class:`~todo_shared.eventstore.interface.Recorder`) and its value types live in
:mod:`todo_shared.eventstore.interface`; they are re-exported here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max
from django.utils import timezone

from todo_shared.eventstore.interface import (
    NOTIFY_CHANNEL,
    ConcurrencyError,
    EventRecord,
    NewEvent,
    RecordedEvent,
    Recorder,
    check_expected,
    numbered,
    to_envelope,
)
from todo_shared.eventstore.models import StoredEvent, StoredEventChannel
from todo_shared.eventstore.postgres import PostgresRecorder

__all__ = [
    "NOTIFY_CHANNEL",
    "ConcurrencyError",
    "DjangoRecorder",
    "EventRecord",
    "EventRecorder",
    "NewEvent",
    "PostgresRecorder",
    "RecordedEvent",
    "Recorder",
    "SQLiteRecorder",
    "recorder_for",
    "to_envelope",
]


class DjangoRecorder:
    """What both database backends share: the ORM queries on database alias ``using``."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[StoredEvent]:
        """See :meth:`todo_shared.eventstore.interface.Recorder.append`."""
        checks = check_expected(events, expected)
        with transaction.atomic(using=self.using):
            self._serialise_appends()
            current, head = self._versions_and_head(list(checks))
            for stream, version in checks.items():
                if current.get(stream, 0) != version:
                    raise ConcurrencyError(stream, version, current.get(stream, 0))
            if not events:
                return []
            now = timezone.now()
            rows = [
                StoredEvent(**{**vars(r), "event_id": uuid.UUID(r.event_id)})
                for r in numbered(events, head, now)
            ]
            StoredEvent.objects.using(self.using).bulk_create(rows)
            StoredEventChannel.objects.using(self.using).bulk_create(
                StoredEventChannel(channel=c, position=r.position) for r in rows for c in r.channels
            )
        return rows

    def _serialise_appends(self) -> None:
        """Make concurrent appends take positions one after the other (per backend)."""
        raise NotImplementedError

    def _versions_and_head(self, streams: list[str]) -> tuple[dict[str, int], int]:
        """Each stream's version and the newest position, in one round trip."""
        table = StoredEvent._meta.db_table
        placeholders = ", ".join(["%s"] * len(streams)) or "NULL"
        sql = (
            f"SELECT stream, MAX(version) FROM {table} WHERE stream IN ({placeholders}) "  # noqa: S608
            f"GROUP BY stream UNION ALL SELECT NULL, MAX(position) FROM {table}"
        )
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, streams)
            rows = cursor.fetchall()
        versions = {stream: int(v) for stream, v in rows if stream is not None}
        head = next((int(v or 0) for stream, v in rows if stream is None), 0)
        return versions, head

    def read_stream(self, stream: str) -> list[StoredEvent]:
        return list(StoredEvent.objects.using(self.using).filter(stream=stream).order_by("version"))

    def read_all(self, after: int, limit: int, through: int | None = None) -> list[StoredEvent]:
        """Events with ``after < position (<= through)``, ascending, at most ``limit``."""
        rows = StoredEvent.objects.using(self.using).filter(position__gt=after)
        if through is not None:
            rows = rows.filter(position__lte=through)
        return list(rows.order_by("position")[: max(limit, 0)])

    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> list[StoredEvent]:
        """Events of any of ``channels`` with ``position > after``, ascending, at most ``limit``."""
        positions = (
            StoredEventChannel.objects.using(self.using)
            .filter(channel__in=list(channels), position__gt=after)
            .order_by("position")
            .values_list("position", flat=True)
            .distinct()[: max(limit, 0)]
        )
        return self.read_positions(list(positions))

    def read_positions(self, positions: Iterable[int]) -> list[StoredEvent]:
        wanted = list(positions)
        rows = StoredEvent.objects.using(self.using).filter(position__in=wanted)
        return list(rows.order_by("position"))

    def head(self) -> int:
        position = StoredEvent.objects.using(self.using).aggregate(p=Max("position"))["p"]
        return int(position or 0)

    def last_position(self) -> int:
        """The older name of :meth:`head`, kept for existing callers."""
        return self.head()


class SQLiteRecorder(DjangoRecorder):
    """SQLite (development): the ``IMMEDIATE`` transaction mode serialises writers."""

    def _serialise_appends(self) -> None:
        return None


def recorder_for(using: str = DEFAULT_DB_ALIAS) -> PostgresRecorder | SQLiteRecorder:
    """The recorder for database alias ``using``, by its vendor."""
    if connections[using].vendor == "postgresql":
        return PostgresRecorder(using)
    return SQLiteRecorder(using)


class EventRecorder:
    """The recorder of the default database, whichever its vendor (the established name):
    every call goes to :func:`recorder_for`'s recorder."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    def _backend(self) -> PostgresRecorder | SQLiteRecorder:
        backend = self.__dict__.get("_chosen")
        if backend is None:
            backend = self.__dict__["_chosen"] = recorder_for(self.using)
        return backend

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> Sequence[EventRecord]:
        return self._backend().append(events, expected)

    def read_stream(self, stream: str) -> Sequence[EventRecord]:
        return self._backend().read_stream(stream)

    def read_all(self, after: int, limit: int, through: int | None = None) -> Sequence[EventRecord]:
        return self._backend().read_all(after, limit, through)

    def read_channels(
        self, channels: Iterable[str], after: int, limit: int
    ) -> Sequence[EventRecord]:
        return self._backend().read_channels(channels, after, limit)

    def read_positions(self, positions: Iterable[int]) -> Sequence[EventRecord]:
        return self._backend().read_positions(positions)

    def head(self) -> int:
        return self._backend().head()

    def last_position(self) -> int:
        """The older name of :meth:`head`, kept for existing callers."""
        return self.head()
