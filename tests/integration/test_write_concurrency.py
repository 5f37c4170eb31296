"""Optimistic concurrency, idempotency, and positions that become visible in order."""

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

from tests.integration.conftest import store_count
from tests.support.api import ApiClient


def test_32_if_match_writers_one_wins(stack):
    stack.start("api")
    alice = ApiClient(stack.url("api"))
    lid = alice.create_list()["id"]
    todo = alice.add_todo(lid, "contended")
    barrier = threading.Barrier(32)

    def rename(i):
        barrier.wait()
        return alice.request(
            "PATCH",
            f"/api/todos/{todo['id']}",
            json={"title": f"writer {i}"},
            headers={"If-Match": '"1"'},
        )

    with ThreadPoolExecutor(32) as pool:
        replies = list(pool.map(rename, range(32)))
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] + [409] * 31
    for reply in replies:
        if reply.status_code == 409:
            assert reply.json()["error"]["code"] == "version_conflict"
            assert reply.json()["error"]["fields"]["version"] == 2
    assert store_count(stack) == 3  # list, todo, one rename


def test_writers_without_if_match_all_succeed(stack):
    stack.start("api")
    alice = ApiClient(stack.url("api"))
    lid = alice.create_list()["id"]
    todo = alice.add_todo(lid, "x")
    with ThreadPoolExecutor(8) as pool:
        replies = list(
            pool.map(
                lambda i: alice.request(
                    "PATCH", f"/api/todos/{todo['id']}", json={"title": f"t{i}"}
                ),
                range(8),
            )
        )
    assert [r.status_code for r in replies] == [200] * 8
    assert alice.ok("PATCH", f"/api/todos/{todo['id']}", json={"completed": True})["version"] == 10


def test_idempotency_key_returns_the_first_answer(stack):
    stack.start("api")
    alice, bob = ApiClient(stack.url("api")), ApiClient(stack.url("api"))
    key = {"Idempotency-Key": "create-groceries-1"}
    first = alice.request("POST", "/api/lists", json={"name": "Groceries"}, headers=key)
    again = alice.request("POST", "/api/lists", json={"name": "Groceries"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.headers["X-Write-Position"] == again.headers["X-Write-Position"]
    assert store_count(stack) == 1
    other = bob.request("POST", "/api/lists", json={"name": "Groceries"}, headers=key)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    reused = alice.request("POST", "/api/lists", json={"name": "Else"}, headers=key)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert store_count(stack) == 2


def test_concurrent_retries_with_one_key_append_once(stack):
    stack.start("api")
    alice = ApiClient(stack.url("api"))
    lid = alice.create_list()["id"]
    barrier = threading.Barrier(8)

    def post(_):
        barrier.wait()
        return alice.request(
            "POST",
            f"/api/lists/{lid}/todos",
            json={"title": "once"},
            headers={"Idempotency-Key": "same"},
        )

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(post, range(8)))
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["id"] for r in replies}) == 1
    assert store_count(stack) == 2


def test_positions_become_visible_in_order(stack):
    """A reader that has seen position n never later finds a smaller committed one."""
    stack.start("api")
    users = [ApiClient(stack.url("api")) for _ in range(4)]
    lists = [u.create_list()["id"] for u in users]
    stop = threading.Event()
    problems = []

    def reader():
        seen = 0
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            while not stop.is_set():
                rows = conn.execute(
                    "SELECT position FROM event_store WHERE position > %s ORDER BY position", [seen]
                ).fetchall()
                for (position,) in rows:
                    if position != seen + 1:
                        problems.append((seen, position))
                    seen = position

    def writer(i):
        for n in range(25):
            users[i].add_todo(lists[i], f"todo {n}")

    thread = threading.Thread(target=reader)
    thread.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(writer, range(4)))
    stop.set()
    thread.join()
    assert problems == []
    assert store_count(stack) == 4 + 100
