"""Read models equal a fresh replay of the store, after real commands through the API."""

from __future__ import annotations

import pytest

from tests.support.projector import (
    assert_matches_oracle,
    drive,
    query,
    rebuild,
    snapshot,
    start_writers,
    wait_caught_up,
)

pytestmark = pytest.mark.integration


def test_random_commands_from_two_users_equal_a_fresh_replay(stack) -> None:
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    users = start_writers(stack, "alice")
    drive(users, count=300, seed=4)
    head = wait_caught_up(stack)
    assert head > 250
    live = snapshot(stack)
    assert live["rm_list"], "the run should leave some lists"
    assert_matches_oracle(stack)

    result = rebuild(stack)
    assert result.returncode == 0, result.stderr
    assert snapshot(stack) == live


def test_activity_reads_as_sentences(stack) -> None:
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    (alice, bob) = start_writers(stack, "ann")
    lst = alice.request("POST", "/api/lists", json={"name": "Groceries"}).json()
    lid = lst["id"]
    alice.request("PATCH", f"/api/lists/{lid}", json={"name": "Shopping"})
    alice.request("POST", f"/api/lists/{lid}/members", json={"username": bob.username})
    todo = bob.request("POST", f"/api/lists/{lid}/todos", json={"title": "buy milk"}).json()
    alice.request("PATCH", f"/api/todos/{todo['id']}", json={"completed": True})
    bob.request("PATCH", f"/api/todos/{todo['id']}", json={"title": "buy oat milk"})
    bob.request("DELETE", f"/api/lists/{lid}/members/{bob.id}")
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
