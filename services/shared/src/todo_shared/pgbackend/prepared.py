"""The hot statements of a write, bound on the server and prepared once per connection.

Django's PostgreSQL cursors bind parameters on the client (psycopg's ``ClientCursor``: the
query text is rebuilt with quoted literals in Python, then parsed and planned by the server
every time), about a tenth of the API's CPU on a todo creation. :func:`fetch_one` runs one
fixed statement through a plain ``psycopg.Cursor`` on the same connection instead: the
parameters travel apart (dumped by psycopg's C code), and the server parses and plans the
statement once per connection (``prepare=True``). The store's reads (the relay's, the
projector's, a command's stream) go the same way. Django still opens, checks and maps the
errors of the connection (``connection.cursor()``, ``wrap_database_errors``), and its
transactions apply as to any other statement. For statements whose parameters carry their
types (``%s::jsonb``, …) or whose context gives them (a column, a comparison).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections


def fetch_one(sql: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> Any:
    """The first row of ``sql`` (or ``None``), run as a prepared statement on ``using``."""
    rows = _run(sql, params, using, 1)
    return rows[0] if rows else None


def fetch_all(sql: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Every row of ``sql``, run as a prepared statement on ``using``."""
    return _run(sql, params, using, None)


def _run(sql: str, params: Sequence[Any], using: str, size: int | None) -> list[Any]:
    connection = connections[using]
    # Entered in order: the Django cursor opens (and checks) the connection first.
    with (
        connection.cursor(),
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
    ):
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if size is None else cursor.fetchmany(size)
