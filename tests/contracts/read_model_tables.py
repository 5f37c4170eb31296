"""The read-model tables contract (``projector.application.ports.ReadModelTables``).

It proves the in-memory tables the projector's unit tests use behave like the database
ones where the use cases rely on them: rows written come back, a transaction that raises
leaves nothing behind, the checkpoint moves with the rows, a deleted list takes its rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from projector.application.ports import ReadModelTables
from projector.domain.handlers import apply_event
from projector.domain.rows import Event

USERS = {"1": "alice", "2": "bob"}


def events_of_a_list() -> list[Event]:
    list_id, todo_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    specs = [
        ("ListCreated", f"list-{list_id}", 1, {"list_id": list_id, "name": "L", "owner_id": "1"}),
        ("MemberAdded", f"list-{list_id}", 2, {"list_id": list_id, "user_id": "2"}),
        (
            "TodoCreated",
            f"todo-{todo_id}",
            1,
            {"todo_id": todo_id, "list_id": list_id, "title": "t"},
        ),
        ("TodoCompleted", f"todo-{todo_id}", 2, {"todo_id": todo_id, "list_id": list_id}),
    ]
    return [
        Event(i + 1, kind, stream, version, now, data, {"actor": "1"}, str(uuid.uuid4()))
        for i, (kind, stream, version, data) in enumerate(specs)
    ]


class ReadModelTablesContract:
    """Subclass with ``create_tables()`` returning empty tables with checkpoint 0."""

    def create_tables(self) -> ReadModelTables:
        raise NotImplementedError

    def project(self, tables: ReadModelTables, events: list[Event]) -> None:
        with tables.transaction():
            models = tables.load_for(events, USERS)
            for event in events:
                apply_event(models, event)
            tables.write_changes(models.changes())
            tables.save_checkpoint(events[-1].position)

    def test_rows_written_are_loaded_back(self) -> None:
        tables = self.create_tables()
        events = events_of_a_list()
        self.project(tables, events)
        loaded = tables.load_for(events, USERS)
        list_id, todo_id = events[0].data["list_id"], events[2].data["todo_id"]
        row = loaded.lists[list_id]
        assert (row.name, row.owner_id, row.open_count, row.done_count, row.position) == (
            "L",
            "1",
            0,
            1,
            4,
        )
        assert {key: m.username for key, m in loaded.members.items()} == {
            (list_id, "1"): "alice",
            (list_id, "2"): "bob",
        }
        assert loaded.todos[todo_id].completed is True
        assert tables.read_checkpoint() == 4

    def test_a_transaction_that_raises_leaves_nothing(self) -> None:
        tables = self.create_tables()
        events = events_of_a_list()
        with pytest.raises(RuntimeError), tables.transaction():
            assert tables.lock_checkpoint() == 0
            models = tables.load_for(events, USERS)
            for event in events:
                apply_event(models, event)
            tables.write_changes(models.changes())
            tables.save_checkpoint(4)
            raise RuntimeError("the apply failed")
        assert tables.read_checkpoint() == 0
        loaded = tables.load_for(events, USERS)
        assert (loaded.lists, loaded.members, loaded.todos) == ({}, {}, {})

    def test_a_deleted_list_takes_its_members_and_todos(self) -> None:
        tables = self.create_tables()
        events = events_of_a_list()
        self.project(tables, events)
        list_id = events[0].data["list_id"]
        deleted = Event(
            5,
            "ListDeleted",
            f"list-{list_id}",
            3,
            datetime.now(UTC),
            {"list_id": list_id, "member_ids": ["1", "2"]},
            {"actor": "1"},
            str(uuid.uuid4()),
        )
        self.project(tables, [deleted])
        loaded = tables.load_for([*events, deleted], USERS)
        assert (loaded.lists, loaded.members, loaded.todos) == ({}, {}, {})
        assert tables.read_checkpoint() == 5

    def test_clearing_empties_every_table(self) -> None:
        tables = self.create_tables()
        events = events_of_a_list()
        self.project(tables, events)
        with tables.transaction():
            tables.clear_read_models()
            tables.save_checkpoint(0)
        loaded = tables.load_for(events, USERS)
        assert (loaded.lists, loaded.members, loaded.todos, tables.read_checkpoint()) == (
            {},
            {},
            {},
            0,
        )
