"""The PostgreSQL recorder: appends in one statement, reads in plain SQL.

Append: ``event_store_append(…)`` (migration ``0002``) takes ``LOCK TABLE event_store IN
EXCLUSIVE MODE`` (readers are not blocked), checks the expected versions, numbers the events
``max(position) + 1 …`` and inserts them with their channel rows, then ``pg_notify`` (sent at
commit). Called outside a transaction (the API's usual case), the statement is its own
transaction, so the lock is held for the function's own work and the commit's WAL flush
only, with no round trip to Python in between; inside a caller's transaction, call it last.
The statement is bound on the server and prepared once per connection, as are the reads
(:mod:`todo_shared.pgbackend.prepared`).

Reads: one SQL statement each, rows straight into :class:`RecordedEvent` values (no ORM
query compiling or model instances: the relay, the projector and every command read here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from todo_shared.eventstore.interface import (
    ConcurrencyError,
    NewEvent,
    RecordedEvent,
    check_expected,
    numbered,
)
from todo_shared.pgbackend.prepared import fetch_all, fetch_one

_COLUMNS = (
    "position, event_id::text, stream, version, type, occurred_at, recorded_at, "
    "channels::text, data::text, metadata::text"
)
_APPEND = "SELECT * FROM event_store_append(%s::text[], %s::integer[], %s::jsonb, %s)"


def _record(row: Sequence[Any]) -> RecordedEvent:
    position, event_id, stream, version, kind, occurred, recorded, channels, data, meta = row
    return RecordedEvent(
        position=position,
        event_id=event_id,
        stream=stream,
        version=version,
        type=kind,
        occurred_at=occurred,
        recorded_at=recorded,
        channels=json.loads(channels),
        data=json.loads(data),
        metadata=json.loads(meta),
    )


class PostgresRecorder:
    """PostgreSQL: one ``event_store_append`` statement per append (see the module doc)."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[RecordedEvent]:
        """See :meth:`todo_shared.eventstore.interface.Recorder.append`."""
        checks = check_expected(events, expected)
        now = timezone.now()
        payload = json.dumps(
            [
                {
                    "event_id": e.event_id,
                    "stream": e.stream,
                    "version": e.version,
                    "type": e.type,
                    "occurred_at": e.occurred_at.isoformat(),
                    "channels": list(e.channels),
                    "data": e.data,
                    "metadata": e.metadata,
                }
                for e in events
            ],
            separators=(",", ":"),
        )
        head, stream, actual = fetch_one(
            _APPEND, [list(checks), list(checks.values()), payload, now], self.using
        )
        if head is None:
            raise ConcurrencyError(stream, checks[stream], int(actual))
        return numbered(events, int(head), now)

    def _select(self, where: str, params: list[Any]) -> list[RecordedEvent]:
        sql = f"SELECT {_COLUMNS} FROM event_store WHERE {where}"  # noqa: S608 - fixed text
        return [_record(row) for row in fetch_all(sql, params, self.using)]

    def read_stream(self, stream: str) -> list[RecordedEvent]:
        return self._select("stream = %s ORDER BY version", [stream])

    def read_all(self, after: int, limit: int, through: int | None = None) -> list[RecordedEvent]:
        """Events with ``after < position (<= through)``, ascending, at most ``limit``."""
        if through is None:
            return self._select("position > %s ORDER BY position LIMIT %s", [after, max(limit, 0)])
        return self._select(
            "position > %s AND position <= %s ORDER BY position LIMIT %s",
            [after, through, max(limit, 0)],
        )

    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> list[RecordedEvent]:
        """Events of any of ``channels`` with ``position > after``, ascending, at most ``limit``."""
        return self._select(
            "position IN (SELECT DISTINCT position FROM event_store_channel "
            "WHERE channel = ANY(%s::text[]) AND position > %s ORDER BY position LIMIT %s) "
            "ORDER BY position",
            [list(channels), after, max(limit, 0)],
        )

    def read_positions(self, positions: Iterable[int]) -> list[RecordedEvent]:
        return self._select(
            "position = ANY(%s::bigint[]) ORDER BY position", [sorted(set(positions))]
        )

    def head(self) -> int:
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT coalesce(max(position), 0) FROM event_store")
            return int(cursor.fetchone()[0])

    def last_position(self) -> int:
        """The older name of :meth:`head`, kept for existing callers."""
        return self.head()
