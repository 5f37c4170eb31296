"""Read models equal a fresh replay of the store, after real commands through the API."""

from __future__ import annotations

import pytest

from tests.support.projector import (
    drive,
    query,
    rebuild,
    replayed,
    snapshot,
    start_writers,
    wait_caught_up,
)

pytestmark = pytest.mark.integration


def test_random_commands_from_two_users_equal_a_fresh_replay(stack) -> None:
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    api, users = start_writers(stack, "alice")
    drive(api, users, count=300, seed=4)
    head = wait_caught_up(stack)
    assert head > 250
    live = snapshot(stack)
    assert live["rm_list"], "the run should leave some lists"
    assert live == replayed(stack)

    result = rebuild(stack)
    assert result.returncode == 0, result.stderr
    assert snapshot(stack) == live


def test_activity_reads_as_sentences(stack) -> None:
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    api, (alice, bob) = start_writers(stack, "ann")
    lst = api.call(alice, "POST", "/api/lists", {"name": "Groceries"}).json()
    lid = lst["id"]
    api.call(alice, "PATCH", f"/api/lists/{lid}", {"name": "Shopping"})
    api.call(alice, "POST", f"/api/lists/{lid}/members", {"username": bob.username})
    todo = api.call(bob, "POST", f"/api/lists/{lid}/todos", {"title": "buy milk"}).json()
    api.call(alice, "PATCH", f"/api/todos/{todo['id']}", {"completed": True})
    api.call(bob, "PATCH", f"/api/todos/{todo['id']}", {"title": "buy oat milk"})
    api.call(bob, "DELETE", f"/api/lists/{lid}/members/{bob.id}")
    wait_caught_up(stack)
    summaries = [
        row[0] for row in query(stack, "SELECT summary FROM rm_activity ORDER BY position")
    ]
    assert summaries == [
        "ann0 created the list 'Groceries'",
        "ann0 renamed the list to 'Shopping'",
        "ann0 added ann1",
        "ann1 added 'buy milk'",
        "ann0 completed 'buy milk'",
        "ann1 renamed 'buy milk' to 'buy oat milk'",
        "ann1 left the list",
    ]
    (row,) = query(stack, "SELECT name, open_count, done_count, version FROM rm_list")
    assert row == ("Shopping", 0, 1, 4)
    members = query(stack, "SELECT user_id, username FROM rm_list_member")
    assert members == [(alice.id, "ann0")]
