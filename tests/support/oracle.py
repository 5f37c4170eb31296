"""An independent oracle of the read models: what the tables must hold, from the store.

It shares no code with the projector. Where the projector folds events one by one through
a handler table, this states each column as a property of the whole history ("the name is
the data of the list's last ListCreated/ListRenamed", "a todo is alive if it was created in
a live list and never deleted"), so a handler bug shows as a difference instead of being
reproduced on both sides. Rules taken from the contract and docs/projector.md:

* a deleted list leaves no rows at all (list, members, todos, activity);
* every event of a live list is one activity row at its position, actor as username;
* a list's ``position`` is the newest event that changed what it shows: its own stream's
  events, the creation or deletion of one of its todos, a todo's completion flipping;
* a todo's ``version``/``position``/``updated_at`` are those of its stream's newest event.

``summary`` is left out (wording, tested in unit tests); so are surrogate ids.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import psycopg

COLUMNS = {
    "rm_list": "list_id, name, owner_id, open_count, done_count, version, position, created_at",
    "rm_list_member": "list_id, user_id, username, position",
    "rm_todo": "todo_id, list_id, title, completed, version, position, created_position, "
    "created_at, updated_at",
    "rm_activity": "position, list_id, type, actor, occurred_at",
}

Row = tuple[Any, ...]
LIST_STREAM_TYPES = {"ListCreated", "ListRenamed", "ListDeleted", "MemberAdded", "MemberRemoved"}


def _rows(database_url: str, sql: str) -> list[Row]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def actual(database_url: str) -> dict[str, list[Row]]:
    """The read-model tables as they are, in the oracle's columns and order."""
    return {
        table: sorted(_rows(database_url, f"SELECT {cols} FROM {table}"), key=repr)  # noqa: S608
        for table, cols in COLUMNS.items()
    }


def store_events(database_url: str) -> list[dict[str, Any]]:
    """Every stored event, ascending by position, as plain dicts."""
    rows = _rows(
        database_url,
        "SELECT position, type, stream, version, occurred_at, data, metadata, event_id::text, "
        "channels FROM event_store ORDER BY position",
    )
    keys = ("position", "type", "stream", "version", "occurred_at", "data", "metadata", "id",
            "channels")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in rows]


def usernames(database_url: str) -> dict[str, str]:
    return {str(pk): name for pk, name in _rows(database_url, "SELECT id, username FROM auth_user")}


def _list_of(event: dict[str, Any]) -> str:
    return str(event["data"]["list_id"])


def expected(events: list[dict[str, Any]], names: dict[str, str]) -> dict[str, list[Row]]:
    """The tables an honest projector must hold after applying ``events`` (in order)."""
    by_list: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if "list_id" in event["data"]:
            by_list[_list_of(event)].append(event)
    created = {_list_of(e) for e in events if e["type"] == "ListCreated"}
    deleted = {_list_of(e) for e in events if e["type"] == "ListDeleted"}
    tables: dict[str, list[Row]] = {t: [] for t in COLUMNS}
    for list_id in sorted(created - deleted):
        history = by_list[list_id]
        for table, rows in _one_list(list_id, history, names).items():
            tables[table].extend(rows)
    return {table: sorted(rows, key=repr) for table, rows in tables.items()}


def _one_list(
    list_id: str, history: list[dict[str, Any]], names: dict[str, str]
) -> dict[str, list[Row]]:
    lid = uuid.UUID(list_id)
    own = [e for e in history if e["type"] in LIST_STREAM_TYPES]
    first = own[0]
    owner = str(first["data"]["owner_id"])
    name = [e["data"]["name"] for e in own if e["type"] in ("ListCreated", "ListRenamed")][-1]
    membership: dict[str, int | None] = {owner: first["position"]}
    for e in own:
        if e["type"] == "MemberAdded":
            membership[str(e["data"]["user_id"])] = e["position"]
        elif e["type"] == "MemberRemoved":
            membership[str(e["data"]["user_id"])] = None
    todos: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in history:
        if e["type"].startswith("Todo"):
            todos[str(e["data"]["todo_id"])].append(e)
    shown = [e["position"] for e in own]  # what moves the list's position
    todo_rows, open_count, done_count = [], 0, 0
    for todo_id, stream in todos.items():
        done = False
        for e in stream:
            flip = (e["type"] == "TodoCompleted" and not done) or (
                e["type"] == "TodoReopened" and done
            )
            if e["type"] in ("TodoCreated", "TodoDeleted") or flip:
                shown.append(e["position"])
            if e["type"] in ("TodoCompleted", "TodoReopened"):
                done = e["type"] == "TodoCompleted"
        if stream[-1]["type"] == "TodoDeleted":
            continue
        titles = [e["data"]["title"] for e in stream if "title" in e["data"]]
        open_count += not done
        done_count += done
        last = stream[-1]
        todo_rows.append(
            (uuid.UUID(todo_id), lid, titles[-1], done, last["version"], last["position"],
             stream[0]["position"], stream[0]["occurred_at"], last["occurred_at"])
        )  # fmt: skip
    return {
        "rm_list": [
            (
                lid,
                name,
                owner,
                open_count,
                done_count,
                own[-1]["version"],
                max(shown),
                first["occurred_at"],
            )
        ],
        "rm_list_member": [
            (lid, user, names.get(user, ""), pos) for user, pos in membership.items() if pos
        ],
        "rm_todo": todo_rows,
        "rm_activity": [
            (
                e["position"],
                lid,
                e["type"],
                names.get(str(e["metadata"].get("actor")), ""),
                e["occurred_at"],
            )
            for e in history
        ],
    }


def differences(database_url: str) -> dict[str, dict[str, list[Row]]]:
    """Per table, rows only in the read models (``extra``) and only in the oracle (``missing``);
    empty when they agree."""
    want = expected(store_events(database_url), usernames(database_url))
    have = actual(database_url)
    diff: dict[str, dict[str, list[Row]]] = {}
    for table in COLUMNS:
        extra = [r for r in have[table] if r not in want[table]]
        missing = [r for r in want[table] if r not in have[table]]
        if extra or missing:
            diff[table] = {"extra": extra[:5], "missing": missing[:5]}
    return diff
