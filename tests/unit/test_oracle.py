"""The read-model oracle of the fault suite and the replay checks, on a history small enough
to state its answer by hand (so the oracle itself is checked, not assumed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.support.oracle import expected

L, T1, T2 = (str(uuid.UUID(int=n)) for n in (1, 2, 3))
GONE = str(uuid.UUID(int=4))


def at(n: int) -> datetime:
    return datetime(2026, 1, 1, 0, 0, n, tzinfo=UTC)


def ev(position: int, type_: str, stream: str, version: int, actor: str, **data: object) -> dict:
    return {"position": position, "type": type_, "stream": stream, "version": version,
            "occurred_at": at(position), "data": data, "metadata": {"actor": actor}}  # fmt: skip


HISTORY = [
    ev(1, "ListCreated", f"list-{L}", 1, "1", list_id=L, name="a", owner_id="1"),
    ev(2, "MemberAdded", f"list-{L}", 2, "1", list_id=L, user_id="2"),
    ev(3, "TodoCreated", f"todo-{T1}", 1, "2", todo_id=T1, list_id=L, title="milk"),
    ev(4, "TodoCreated", f"todo-{T2}", 1, "1", todo_id=T2, list_id=L, title="tea"),
    ev(5, "TodoCompleted", f"todo-{T1}", 2, "2", todo_id=T1, list_id=L),
    ev(6, "TodoRenamed", f"todo-{T1}", 3, "1", todo_id=T1, list_id=L, title="oat milk"),
    ev(7, "TodoDeleted", f"todo-{T2}", 2, "1", todo_id=T2, list_id=L),
    ev(8, "ListCreated", f"list-{GONE}", 1, "2", list_id=GONE, name="g", owner_id="2"),
    ev(9, "MemberRemoved", f"list-{L}", 3, "1", list_id=L, user_id="2"),
    ev(10, "ListRenamed", f"list-{L}", 4, "1", list_id=L, name="b"),
    ev(11, "ListDeleted", f"list-{GONE}", 2, "2", list_id=GONE, member_ids=["2"]),
]


def test_the_oracle_states_every_column_from_the_history() -> None:
    lid, t1 = uuid.UUID(L), uuid.UUID(T1)
    names = {"1": "alice", "2": "bob"}
    assert expected(HISTORY, names) == {
        # the list's position: its newest own event (10); the rename of a todo does not count
        "rm_list": [(lid, "b", "1", 0, 1, 4, 10, at(1))],
        "rm_list_member": [(lid, "1", "alice", 1)],  # bob was removed; the owner stays
        "rm_todo": [(t1, lid, "oat milk", True, 3, 6, 3, at(3), at(6))],
        "rm_activity": sorted(
            [
                (e["position"], lid, e["type"], names[e["metadata"]["actor"]], at(e["position"]))
                for e in HISTORY
                if e["data"]["list_id"] == L
            ],
            key=repr,
        ),
    }
