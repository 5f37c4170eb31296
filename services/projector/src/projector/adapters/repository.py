"""The read-model tables through the Django ORM: load what a batch touches, write it back.

On PostgreSQL the hot ones (checkpoint lock and save, load, write) run as plain SQL
(:mod:`projector.adapters.pg_tables`); the ORM code here is SQLite's and the reference.

Also the checkpoint: :func:`lock_checkpoint` takes the row lock that serialises every writer
of the read models (live projector, catch-up, rebuild), so whoever holds it sees the latest
checkpoint and no event is applied twice.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from todo_shared.event_registry import MEMBERSHIP_EVENT_TYPES
from todo_shared.readmodels.models import (
    ActivityView,
    ListMemberView,
    ListView,
    ProjectorCheckpoint,
    TodoView,
)

from projector.adapters import pg_tables
from projector.domain.rows import Event, ListRow, MemberRow, TodoRow
from projector.domain.state import Changes, ReadModels

CHECKPOINT_NAME = "read-models"
READ_MODEL_TABLES = (ActivityView, TodoView, ListMemberView, ListView)


def ensure_checkpoint() -> int:
    """Create the checkpoint row if missing; return its position."""
    row, _ = ProjectorCheckpoint.objects.get_or_create(name=CHECKPOINT_NAME)
    return int(row.position)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def lock_checkpoint() -> int:
    """Lock the checkpoint row until the transaction ends; return its position."""
    if _postgres():
        return pg_tables.lock_checkpoint(CHECKPOINT_NAME)
    found = (
        ProjectorCheckpoint.objects.select_for_update()
        .filter(name=CHECKPOINT_NAME)
        .values_list("position", flat=True)
        .first()
    )
    if found is None:
        ProjectorCheckpoint.objects.create(name=CHECKPOINT_NAME, position=0)
        return 0
    return int(found)


def save_checkpoint(position: int) -> None:
    if _postgres():
        pg_tables.save_checkpoint(CHECKPOINT_NAME, position)
        return
    ProjectorCheckpoint.objects.filter(name=CHECKPOINT_NAME).update(
        position=position, updated_at=timezone.now()
    )


def read_checkpoint() -> int:
    found = (
        ProjectorCheckpoint.objects.filter(name=CHECKPOINT_NAME)
        .values_list("position", flat=True)
        .first()
    )
    return int(found or 0)


def _str_ids(values: Iterable[Any]) -> set[str]:
    return {str(v) for v in values if isinstance(v, str)}


def load_for(events: list[Event], usernames: dict[str, str]) -> ReadModels:
    """The rows ``events`` may change, as a :class:`ReadModels` ready for the handlers."""
    if _postgres():
        return pg_tables.load_for(events, usernames)
    todo_ids = _str_ids(e.data.get("todo_id") for e in events)
    todos = {
        str(v["todo_id"]): TodoRow(
            **{**v, "todo_id": str(v["todo_id"]), "list_id": str(v["list_id"])}
        )
        for v in TodoView.objects.filter(todo_id__in=todo_ids).values()
    }
    list_ids = _str_ids(e.data.get("list_id") for e in events) | {t.list_id for t in todos.values()}
    lists = {
        str(v["list_id"]): ListRow(**{**v, "list_id": str(v["list_id"])})
        for v in ListView.objects.filter(list_id__in=list_ids).values()
    }
    member_lists = _str_ids(
        e.data.get("list_id") for e in events if e.type in MEMBERSHIP_EVENT_TYPES
    )
    members = {
        (str(v["list_id"]), v["user_id"]): MemberRow(
            str(v["list_id"]), v["user_id"], v["username"], v["position"]
        )
        for v in ListMemberView.objects.filter(list_id__in=member_lists).values(
            "list_id", "user_id", "username", "position"
        )
    }
    models = ReadModels(lists=lists, members=members, todos=todos, usernames=usernames)
    models.mark_loaded()
    return models


def write_changes(changes: Changes) -> None:
    """Write what a batch changed: deletions first, then upserts, then new activity rows."""
    if _postgres():
        pg_tables.write_changes(changes)
        return
    if changes.purged_lists:
        for model in (ListMemberView, TodoView, ActivityView):
            model.objects.filter(list_id__in=changes.purged_lists).delete()
    if changes.lists_deleted:
        ListView.objects.filter(list_id__in=changes.lists_deleted).delete()
    if changes.members_deleted:
        match = (
            Q(list_id=list_id, user_id=user_id) for list_id, user_id in changes.members_deleted
        )
        ListMemberView.objects.filter(reduce(operator.or_, match)).delete()
    if changes.todos_deleted:
        TodoView.objects.filter(todo_id__in=changes.todos_deleted).delete()
    _upsert(ListView, changes.lists_upserted, ["list_id"])
    _upsert(ListMemberView, changes.members_upserted, ["list_id", "user_id"])
    _upsert(TodoView, changes.todos_upserted, ["todo_id"])
    if changes.activity:
        ActivityView.objects.bulk_create([ActivityView(**_values(row)) for row in changes.activity])


def _values(row: Any) -> dict[str, Any]:
    """A row's fields, shallow (``dataclasses.asdict`` deep-copies: slow on big batches)."""
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


def _upsert(model: Any, rows: list[Any], keys: list[str]) -> None:
    if not rows:
        return
    objects = [model(**_values(row)) for row in rows]
    fields = [f for f in _values(rows[0]) if f not in keys]
    model.objects.bulk_create(
        objects, update_conflicts=True, unique_fields=keys, update_fields=fields
    )


def clear_read_models() -> None:
    """Empty every read-model table (inside the caller's transaction)."""
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model in READ_MODEL_TABLES)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
        return
    for model in READ_MODEL_TABLES:
        model.objects.all().delete()
