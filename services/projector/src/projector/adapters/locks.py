"""PostgreSQL advisory locks that let ``rebuild`` pause the live projector.

``rebuild`` holds :data:`PROJECTION_LOCK` exclusively (session lock) while it clears and
replays; every apply transaction of the live projector first *tries* to take it shared for
the transaction. When it cannot, a rebuild is running and the projector waits rather than
competing for the checkpoint. Correctness does not rest on this (the checkpoint row lock
does that); it keeps the two from interleaving. SQLite has no advisory locks: there, its
single-writer transactions serialise everything and these functions always succeed.
"""

from __future__ import annotations

from django.db import connection

PROJECTION_LOCK = 0x70726F6A  # "proj"
REBUILD_MUTEX = 0x72656275  # "rebu"


def _query(sql: str, key: int) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return row is None or row[0] is not False


def try_share_projection() -> bool:
    """In a transaction: False if a rebuild holds the projection (then apply nothing)."""
    return _query("SELECT pg_try_advisory_xact_lock_shared(%s)", PROJECTION_LOCK)


def try_become_only_rebuild() -> bool:
    """Session lock: False if another rebuild is running."""
    return _query("SELECT pg_try_advisory_lock(%s)", REBUILD_MUTEX)


def take_projection() -> None:
    """Session lock, exclusive: waits for the live projector's transaction in flight."""
    _query("SELECT pg_advisory_lock(%s)", PROJECTION_LOCK)


def release_all() -> None:
    """Give back every session-level advisory lock this connection holds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
