"""The projection as pure functions: rows and activity lines from store events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from projector.domain.handlers import replay
from projector.domain.rows import Event
from projector.domain.summaries import summarize

L = "11111111-1111-4111-8111-111111111111"
T = "22222222-2222-4222-8222-222222222222"
T2 = "33333333-3333-4333-8333-333333333333"
USERS = {"1": "alice", "2": "bob"}
START = datetime(2026, 1, 1, tzinfo=UTC)


def history(*steps: tuple[str, str, dict[str, str]]) -> list[Event]:
    versions: dict[str, int] = {}
    events = []
    for position, (event_type, actor, data) in enumerate(steps, start=1):
        stream = f"todo-{data['todo_id']}" if "todo_id" in data else f"list-{data['list_id']}"
        versions[stream] = versions.get(stream, 0) + 1
        events.append(
            Event(
                position,
                event_type,
                stream,
                versions[stream],
                START + timedelta(seconds=position),
                data,
                {"actor": actor, "source": "api"},
            )
        )
    return events


def test_a_list_with_members_and_todos() -> None:
    models = replay(
        history(
            ("ListCreated", "1", {"list_id": L, "name": "Groceries", "owner_id": "1"}),
            ("MemberAdded", "1", {"list_id": L, "user_id": "2"}),
            ("TodoCreated", "2", {"todo_id": T, "list_id": L, "title": "buy milk"}),
            ("TodoCreated", "2", {"todo_id": T2, "list_id": L, "title": "bread"}),
            ("TodoCompleted", "1", {"todo_id": T, "list_id": L}),
            ("TodoRenamed", "2", {"todo_id": T2, "list_id": L, "title": "rye bread"}),
        ),
        USERS,
    )
    row = models.lists[L]
    assert (row.name, row.owner_id, row.open_count, row.done_count) == ("Groceries", "1", 1, 1)
    assert (row.version, row.position) == (2, 5)  # the rename does not change the list
    assert {k: m.username for k, m in models.members.items()} == {
        (L, "1"): "alice",
        (L, "2"): "bob",
    }
    milk, bread = models.todos[T], models.todos[T2]
    assert (milk.completed, milk.version, milk.position, milk.created_position) == (True, 2, 5, 3)
    assert milk.updated_at == START + timedelta(seconds=5)
    assert milk.created_at == START + timedelta(seconds=3)
    assert bread.title == "rye bread"
    assert [a.summary for a in models.activity.values()] == [
        "alice created the list 'Groceries'",
        "alice added bob",
        "bob added 'buy milk'",
        "bob added 'bread'",
        "alice completed 'buy milk'",
        "bob renamed 'bread' to 'rye bread'",
    ]
    assert [a.actor for a in models.activity.values()] == [
        "alice",
        "alice",
        "bob",
        "bob",
        "alice",
        "bob",
    ]


def test_reopen_delete_and_leave() -> None:
    models = replay(
        history(
            ("ListCreated", "1", {"list_id": L, "name": "L", "owner_id": "1"}),
            ("MemberAdded", "1", {"list_id": L, "user_id": "2"}),
            ("TodoCreated", "1", {"todo_id": T, "list_id": L, "title": "a"}),
            ("TodoCompleted", "1", {"todo_id": T, "list_id": L}),
            ("TodoReopened", "2", {"todo_id": T, "list_id": L}),
            ("TodoDeleted", "2", {"todo_id": T, "list_id": L}),
            ("MemberRemoved", "2", {"list_id": L, "user_id": "2"}),
            ("ListRenamed", "1", {"list_id": L, "name": "M"}),
        ),
        USERS,
    )
    row = models.lists[L]
    assert (row.name, row.open_count, row.done_count, row.version, row.position) == (
        "M",
        0,
        0,
        4,
        8,
    )
    assert list(models.members) == [(L, "1")]
    assert models.todos == {}
    assert [a.summary for a in models.activity.values()][-4:] == [
        "bob reopened 'a'",
        "bob deleted 'a'",
        "bob left the list",
        "alice renamed the list to 'M'",
    ]


def test_a_deleted_list_leaves_nothing_and_later_events_about_it_change_nothing() -> None:
    models = replay(
        history(
            ("ListCreated", "1", {"list_id": L, "name": "L", "owner_id": "1"}),
            ("TodoCreated", "1", {"todo_id": T, "list_id": L, "title": "a"}),
            ("ListDeleted", "1", {"list_id": L, "member_ids": "1"}),
            ("TodoCompleted", "1", {"todo_id": T, "list_id": L}),
            ("ListRenamed", "1", {"list_id": L, "name": "again"}),
        ),
        USERS,
    )
    assert (models.lists, models.members, models.todos, models.activity) == ({}, {}, {}, {})


def test_unknown_users_and_types() -> None:
    models = replay(
        history(
            ("ListCreated", "9", {"list_id": L, "name": "L", "owner_id": "9"}),
            ("SomethingNew", "9", {"list_id": L}),
        ),
        {},
    )
    assert models.members[(L, "9")].username == "user 9"
    assert [a.summary for a in models.activity.values()] == ["user 9 created the list 'L'"]


def test_summaries_name_actor_and_item() -> None:
    assert summarize("MemberRemoved", {}, "alice", "bob") == "alice removed bob"
    assert summarize("MemberRemoved", {}, "bob", "bob") == "bob left the list"
    assert summarize("TodoCompleted", {}, "alice", title="buy milk") == "alice completed 'buy milk'"
    assert summarize("ListRenamed", {"name": "Groceries"}, "alice") == (
        "alice renamed the list to 'Groceries'"
    )
