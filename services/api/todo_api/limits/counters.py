"""Counting hits per fixed window in the database, atomically across every worker.

One statement both creates and increments the window's row and returns the new count
(``INSERT … ON CONFLICT DO UPDATE … RETURNING``; PostgreSQL, and SQLite ≥ 3.35; on
PostgreSQL outside a transaction its commit does not wait for the WAL flush), so two
gunicorn workers, or two API containers on one database, share one count and never lose
an increment. Counts include refused attempts: hammering a closed window keeps it closed
until it ends, and ``Retry-After`` says when that is.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from todo_shared.pgbackend.prepared import fetch_one

from todo_api.limits.config import Limit

Clock = Callable[[], float]

_UPSERT = (
    "INSERT INTO limits_counter (key, window_start, expires_at, count) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET count = limits_counter.count + 1 "
    "RETURNING count"
)
# PostgreSQL, outside a transaction: the same upsert as its own transaction committed
# without waiting for the WAL flush (``synchronous_commit`` off for it alone). A crash can
# forget the last few hits of a window, nothing else: the count is a limit, not a record.
_UPSERT_ASYNC = (
    "INSERT INTO limits_counter (key, window_start, expires_at, count) "
    "SELECT %s, %s, %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s "
    "ON CONFLICT (key, window_start) DO UPDATE SET count = limits_counter.count + 1 "
    "RETURNING count"
)


@dataclass(frozen=True)
class Decision:
    """The answer for one hit: allowed or not, and when the window reopens."""

    allowed: bool
    count: int
    retry_after: int  # whole seconds until the window ends (at least 1)


def _key(limit: Limit, subject: str) -> str:
    if len(subject) > 150 or not subject.isprintable():
        subject = "sha256:" + hashlib.sha256(subject.encode("utf-8", "replace")).hexdigest()
    return f"{limit.name}:{subject}"


def _window(limit: Limit, now: float) -> tuple[int, int]:
    start = int(now) // limit.window * limit.window
    return start, max(1, math.ceil(start + limit.window - now))


def hit(limit: Limit, subject: str, clock: Clock = time.time) -> Decision:
    """Count one hit of ``subject`` against ``limit``; refused once the window is full."""
    if not limit.enabled:
        return Decision(True, 0, 0)
    now = clock()
    start, retry_after = _window(limit, now)
    fast = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_ASYNC if fast else _UPSERT,
            [_key(limit, subject), start, start + 2 * limit.window],
        )
        count = int(cursor.fetchone()[0])
        if count == 1:  # a new window: forget windows that ended (cheap, indexed)
            cursor.execute("DELETE FROM limits_counter WHERE expires_at < %s", [int(now)])
    return Decision(count <= limit.count, count, retry_after)


def hit_found(
    limit: Limit, query: str, params: Sequence[Any], subject: str, clock: Clock = time.time
) -> tuple[tuple[Any, ...] | None, Decision | None]:
    """Run ``query`` (at most one row) and count one hit of the subject in its column
    ``subject``, in one statement (PostgreSQL, outside a transaction, committed without
    waiting for the WAL flush as :func:`hit` is): the query's row (``None`` if there is none,
    and then nothing is counted) and the hit's :class:`Decision`."""
    now = clock()
    start, retry_after = _window(limit, now)
    sql = (
        f"WITH found AS ({query}), hit AS ("  # noqa: S608 - the caller's fixed text
        "INSERT INTO limits_counter (key, window_start, expires_at, count) "
        f"SELECT %s || found.{subject}::text, %s, %s, 1 FROM found, "
        "(SELECT set_config('synchronous_commit', 'off', true)) AS s "
        "ON CONFLICT (key, window_start) DO UPDATE SET count = limits_counter.count + 1 "
        "RETURNING count) "
        "SELECT found.*, (SELECT count FROM hit) FROM found"
    )
    # bound on the server and prepared once per connection: the hot path of every write
    row = fetch_one(sql, [*params, _key(limit, ""), start, start + 2 * limit.window])
    if row is None:
        return None, None
    count = int(row[-1])
    if count == 1:  # a new window: forget windows that ended (cheap, indexed)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM limits_counter WHERE expires_at < %s", [int(now)])
    return tuple(row[:-1]), Decision(count <= limit.count, count, retry_after)


def peek(limit: Limit, subject: str, clock: Clock = time.time) -> Decision:
    """Whether ``subject`` is already over ``limit`` in this window, without counting."""
    if not limit.enabled:
        return Decision(True, 0, 0)
    start, retry_after = _window(limit, clock())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count FROM limits_counter WHERE key = %s AND window_start = %s",
            [_key(limit, subject), start],
        )
        row = cursor.fetchone()
    count = int(row[0]) if row else 0
    return Decision(count < limit.count, count, retry_after)


def reset(limit: Limit, subject: str) -> None:
    """Forget ``subject``'s counts (say, failed sign-ins after a successful one)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM limits_counter WHERE key = %s", [_key(limit, subject)])
