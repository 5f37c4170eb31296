"""Property: applying events in batches, with duplicates, equals one fresh replay.

:class:`~projector.adapters.memory.InMemoryReadModelTables` (the use cases' in-memory
tables) stands in for the database, used the way the applier uses it: load the touched rows,
write back the changes, move the checkpoint. The integration tests prove the real repository
against PostgreSQL with the same comparison.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from projector.adapters.memory import InMemoryReadModelTables
from projector.domain.handlers import apply_event, replay
from projector.domain.rows import Event

USERS = {"1": "alice", "2": "bob", "3": "carol"}
REDELIVERIES: list[int] = []  # duplicates each example really redelivered


def apply_through(tables: InMemoryReadModelTables, store: list[Event], through: int) -> None:
    """Like the applier on a message at ``through``: store events past the checkpoint."""
    fresh = store[tables.checkpoint : through]
    if not fresh:
        return
    with tables.transaction():
        models = tables.load_for(fresh, USERS)
        for event in fresh:
            apply_event(models, event)
        tables.write_changes(models.changes())
        tables.save_checkpoint(fresh[-1].position)


class History:
    """Generates valid store events, the way the API's aggregates would decide them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.versions: dict[str, int] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.todos: dict[str, dict[str, Any]] = {}

    def emit(self, event_type: str, stream: str, actor: str, **data: Any) -> None:
        self.versions[stream] = self.versions.get(stream, 0) + 1
        position = len(self.events) + 1
        self.events.append(
            Event(
                position,
                event_type,
                stream,
                self.versions[stream],
                datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=position),
                data,
                {"actor": actor, "source": "api"},
            )
        )

    def step(self, op: int, pick: int, actor: str) -> None:
        live = sorted(lid for lid, w in self.lists.items() if not w["deleted"])
        todos = sorted(
            t
            for t, w in self.todos.items()
            if not w["deleted"] and not self.lists[w["list"]]["deleted"]
        )
        if op == 0 or not live:
            lid = str(uuid.UUID(int=len(self.events) + 1))
            self.lists[lid] = {"members": [actor], "owner": actor, "deleted": False}
            self.emit(
                "ListCreated", f"list-{lid}", actor, list_id=lid, name=f"l{pick}", owner_id=actor
            )
            return
        lid = live[pick % len(live)]
        w = self.lists[lid]
        if op == 1:
            tid = str(uuid.UUID(int=10**6 + len(self.events)))
            self.todos[tid] = {"list": lid, "completed": False, "deleted": False}
            self.emit(
                "TodoCreated", f"todo-{tid}", actor, todo_id=tid, list_id=lid, title=f"t{pick}"
            )
        elif op in (2, 3, 4) and todos:
            tid = todos[pick % len(todos)]
            t = self.todos[tid]
            if op == 2:
                t["completed"] = not t["completed"]
                kind = "TodoCompleted" if t["completed"] else "TodoReopened"
                self.emit(kind, f"todo-{tid}", actor, todo_id=tid, list_id=t["list"])
            elif op == 3:
                self.emit(
                    "TodoRenamed",
                    f"todo-{tid}",
                    actor,
                    todo_id=tid,
                    list_id=t["list"],
                    title=f"r{pick}",
                )
            else:
                t["deleted"] = True
                self.emit("TodoDeleted", f"todo-{tid}", actor, todo_id=tid, list_id=t["list"])
        elif op == 5:
            user = str(pick % 3 + 1)
            if user in w["members"] and user != w["owner"]:
                w["members"].remove(user)
                self.emit("MemberRemoved", f"list-{lid}", actor, list_id=lid, user_id=user)
            elif user not in w["members"]:
                w["members"].append(user)
                self.emit("MemberAdded", f"list-{lid}", actor, list_id=lid, user_id=user)
        elif op == 6:
            self.emit("ListRenamed", f"list-{lid}", actor, list_id=lid, name=f"n{pick}")
        elif op == 7:
            w["deleted"] = True
            self.emit("ListDeleted", f"list-{lid}", actor, list_id=lid, member_ids=w["members"])


steps = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 50), st.sampled_from("123")), max_size=80
)


@settings(max_examples=150, deadline=None)
@given(
    steps=steps,
    cuts=st.lists(st.integers(1, 12), min_size=1, max_size=30),
    redeliver=st.lists(st.integers(0, 80), max_size=10),
)
def test_batches_with_redeliveries_equal_a_replay(steps, cuts, redeliver) -> None:
    history = History()
    for op, pick, actor in steps:
        history.step(op, pick, actor)
    events = history.events
    tables = InMemoryReadModelTables()
    start, i, duplicates = 0, 0, 0
    while start < len(events):
        end = max(tables.checkpoint, min(len(events), start + cuts[i % len(cuts)]))
        apply_through(tables, events, end)
        for r in redeliver[:2]:
            at = r % len(events) + 1
            if at <= tables.checkpoint:  # a redelivery: the checkpoint says "already done"
                before = (dict(tables.lists), dict(tables.todos), dict(tables.activity))
                apply_through(tables, events, at)
                assert (tables.lists, tables.todos, tables.activity) == before
                duplicates += 1
            else:  # a message early (one before it lost): gap-filled from the store
                apply_through(tables, events, at)
        start, i = max(end, tables.checkpoint), i + 1
    assert tables.checkpoint == len(events)
    REDELIVERIES.append(duplicates)
    expected = replay(events, USERS)
    assert tables.lists == expected.lists
    assert tables.members == expected.members
    assert tables.todos == expected.todos
    assert tables.activity == expected.activity


def test_the_property_above_really_redelivered() -> None:
    """Guards the property against the old flaw: its redeliveries must reach the applier."""
    REDELIVERIES.clear()
    test_batches_with_redeliveries_equal_a_replay()
    assert sum(REDELIVERIES) > 0, "no example redelivered a message at or below the checkpoint"
