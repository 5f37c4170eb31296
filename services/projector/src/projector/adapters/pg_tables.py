"""The read-model queries of :mod:`projector.adapters.repository` in plain SQL, for PostgreSQL.

Same rows, same effects, fewer cycles: no ORM query compiling and no model instances. A
batch's upserts and activity rows each go as one statement whose rows travel as one JSON
array (``jsonb_to_recordset``), so a batch of 500 events is a handful of statements. The
SQLite path (development) stays on the ORM; the read-model contract suite runs on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import timezone
from todo_shared.event_registry import MEMBERSHIP_EVENT_TYPES
from todo_shared.readmodels.models import ActivityView, ListMemberView, ListView, TodoView

from projector.domain.rows import Event, ListRow, MemberRow, TodoRow
from projector.domain.state import Changes, ReadModels

CHECKPOINT_TABLE = "rm_checkpoint"
_MODELS: dict[str, type[models.Model]] = {
    m._meta.db_table: m for m in (ActivityView, ListMemberView, ListView, TodoView)
}
_TYPES = {
    models.UUIDField: "uuid",
    models.CharField: "text",
    models.BooleanField: "boolean",
    models.BigIntegerField: "bigint",
    models.IntegerField: "integer",
    models.DateTimeField: "timestamptz",
}


def _sql_type(field: models.Field[Any, Any]) -> str:
    for kind, name in _TYPES.items():  # BigIntegerField before IntegerField: it is one
        if isinstance(field, kind):
            return name
    raise TypeError(f"no SQL type for {field!r}")


@cache
def _columns_of(table: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
    model = _MODELS[table]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [(name, _sql_type(fields[name])) for name in names]


def _columns(model: type[models.Model], names: tuple[str, ...]) -> list[tuple[str, str]]:
    return _columns_of(model._meta.db_table, names)


def _rows(cursor: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return list(cursor.fetchall())


def _select(model: type[models.Model], names: Sequence[str], where: str) -> str:
    cols = ", ".join(f"{n}::text" if t == "uuid" else n for n, t in _columns(model, tuple(names)))
    return f"SELECT {cols} FROM {model._meta.db_table} WHERE {where}"  # noqa: S608


def lock_checkpoint(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT position FROM {CHECKPOINT_TABLE} WHERE name = %s FOR UPDATE",  # noqa: S608
            [name],
        )
        row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        cursor.execute(
            f"INSERT INTO {CHECKPOINT_TABLE} (name, position, updated_at) VALUES (%s, 0, %s)",  # noqa: S608
            [name, timezone.now()],
        )
        return 0


def save_checkpoint(name: str, position: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CHECKPOINT_TABLE} SET position = %s, updated_at = %s WHERE name = %s",  # noqa: S608
            [position, timezone.now(), name],
        )


def _ids(values: Iterable[Any]) -> list[str]:
    return sorted({v for v in values if isinstance(v, str)})


def load_for(events: list[Event], usernames: dict[str, str]) -> ReadModels:
    """The rows ``events`` may change (see :func:`projector.adapters.repository.load_for`)."""
    todo_names = list(TodoRow.__dataclass_fields__)
    list_names = list(ListRow.__dataclass_fields__)
    member_names = list(MemberRow.__dataclass_fields__)
    with connection.cursor() as cursor:
        found = _rows(
            cursor,
            _select(TodoView, todo_names, "todo_id = ANY(%s::uuid[])"),
            [_ids(e.data.get("todo_id") for e in events)],
        )
        todos = {row[0]: TodoRow(*row) for row in found}
        list_ids = set(_ids(e.data.get("list_id") for e in events))
        list_ids |= {t.list_id for t in todos.values()}
        found = _rows(
            cursor, _select(ListView, list_names, "list_id = ANY(%s::uuid[])"), [sorted(list_ids)]
        )
        lists = {row[0]: ListRow(*row) for row in found}
        member_lists = _ids(
            e.data.get("list_id") for e in events if e.type in MEMBERSHIP_EVENT_TYPES
        )
        members = {}
        if member_lists:
            found = _rows(
                cursor,
                _select(ListMemberView, member_names, "list_id = ANY(%s::uuid[])"),
                [member_lists],
            )
            members = {(row[0], row[1]): MemberRow(*row) for row in found}
    models_ = ReadModels(lists=lists, members=members, todos=todos, usernames=usernames)
    models_.mark_loaded()
    return models_


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _insert(model: type[models.Model], rows: list[Any], keys: Sequence[str] = ()) -> None:
    """Insert ``rows`` (dataclasses named like the model's columns) in one statement; with
    ``keys``, a row whose keys exist replaces the stored one (an upsert)."""
    if not rows:
        return
    names = tuple(rows[0].__dataclass_fields__)
    columns = _columns(model, names)
    record = ", ".join(f"{n} {t}" for n, t in columns)
    listed = ", ".join(names)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({listed}) "  # noqa: S608 - model metadata
        f"SELECT {listed} FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
    )
    if keys:
        updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in keys)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    payload = json.dumps(
        [{n: getattr(row, n) for n in names} for row in rows],
        default=_json_default,
        separators=(",", ":"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])


def _delete(model: type[models.Model], column: str, ids: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {model._meta.db_table} WHERE {column} = ANY(%s::uuid[])",  # noqa: S608
            [sorted(ids)],
        )


def write_changes(changes: Changes) -> None:
    """Deletions first, then upserts, then new activity rows (as the ORM version)."""
    if changes.purged_lists:
        for model in (ListMemberView, TodoView, ActivityView):
            _delete(model, "list_id", changes.purged_lists)
    if changes.lists_deleted:
        _delete(ListView, "list_id", changes.lists_deleted)
    if changes.members_deleted:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {ListMemberView._meta.db_table} m USING "  # noqa: S608
                "unnest(%s::uuid[], %s::text[]) AS d(list_id, user_id) "
                "WHERE m.list_id = d.list_id AND m.user_id = d.user_id",
                [[k[0] for k in changes.members_deleted], [k[1] for k in changes.members_deleted]],
            )
    if changes.todos_deleted:
        _delete(TodoView, "todo_id", changes.todos_deleted)
    _insert(ListView, changes.lists_upserted, ["list_id"])
    _insert(ListMemberView, changes.members_upserted, ["list_id", "user_id"])
    _insert(TodoView, changes.todos_upserted, ["todo_id"])
    _insert(ActivityView, changes.activity)
