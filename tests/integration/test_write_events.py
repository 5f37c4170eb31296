"""HTTP commands become exactly the contract's events on the exchange, in order, once each."""

import json
import uuid

from tests.integration.conftest import store_count
from tests.support.api import ApiClient


def test_command_sequence_yields_the_contract_events(write_stack):
    api = write_stack.url("api")
    alice, bob = ApiClient(api), ApiClient(api)
    lst = alice.create_list("Groceries")
    lid = lst["id"]
    todo = alice.add_todo(lid, "buy milk")
    tid = todo["id"]
    alice.ok("PATCH", f"/api/todos/{tid}", json={"title": "buy oat milk"})
    alice.ok("PATCH", f"/api/todos/{tid}", json={"completed": True})
    alice.ok("PATCH", f"/api/todos/{tid}", json={"completed": False})
    alice.ok("POST", f"/api/lists/{lid}/members", json={"username": bob.username})
    bob_todo = bob.add_todo(lid, "bread")
    alice.ok("PATCH", f"/api/lists/{lid}", json={"name": "Shopping"})
    bob.ok("DELETE", f"/api/todos/{bob_todo['id']}")
    bob.ok("DELETE", f"/api/lists/{lid}/members/{bob.id}")
    reply = alice.request("DELETE", f"/api/lists/{lid}")
    assert reply.status_code == 204
    assert reply.headers["X-Write-Position"] == "11"

    messages = write_stack.tap.drain(11)
    assert len(write_stack.tap.settle(1.0)) == 11, "each event exactly once"
    envelopes = [json.loads(body) for _, body in messages]
    L, A, B = f"list:{lid}", f"user:{alice.id}", f"user:{bob.id}"
    expected = [
        (
            "ListCreated",
            f"list-{lid}",
            1,
            {"list_id": lid, "name": "Groceries", "owner_id": alice.id},
            [L, A],
        ),
        (
            "TodoCreated",
            f"todo-{tid}",
            1,
            {"todo_id": tid, "list_id": lid, "title": "buy milk"},
            [L],
        ),
        (
            "TodoRenamed",
            f"todo-{tid}",
            2,
            {"todo_id": tid, "list_id": lid, "title": "buy oat milk"},
            [L],
        ),
        ("TodoCompleted", f"todo-{tid}", 3, {"todo_id": tid, "list_id": lid}, [L]),
        ("TodoReopened", f"todo-{tid}", 4, {"todo_id": tid, "list_id": lid}, [L]),
        ("MemberAdded", f"list-{lid}", 2, {"list_id": lid, "user_id": bob.id}, [L, B]),
        (
            "TodoCreated",
            f"todo-{bob_todo['id']}",
            1,
            {"todo_id": bob_todo["id"], "list_id": lid, "title": "bread"},
            [L],
        ),
        ("ListRenamed", f"list-{lid}", 3, {"list_id": lid, "name": "Shopping"}, [L]),
        (
            "TodoDeleted",
            f"todo-{bob_todo['id']}",
            2,
            {"todo_id": bob_todo["id"], "list_id": lid},
            [L],
        ),
        ("MemberRemoved", f"list-{lid}", 4, {"list_id": lid, "user_id": bob.id}, [L, B]),
        ("ListDeleted", f"list-{lid}", 5, {"list_id": lid, "member_ids": [alice.id]}, [L, A]),
    ]
    actual = [(e["type"], e["stream"], e["version"], e["data"], e["channels"]) for e in envelopes]
    assert actual == expected
    assert [e["position"] for e in envelopes] == list(range(1, 12))
    actors = [e["metadata"]["actor"] for e in envelopes]
    assert actors == [alice.id] * 6 + [bob.id] + [alice.id] + [bob.id] * 2 + [alice.id]
    for (props, _), envelope in zip(messages, envelopes, strict=True):
        assert props.content_type == "application/json"
        assert props.delivery_mode == 2
        assert props.message_id == envelope["id"]
        assert props.type == envelope["type"]
        assert envelope["schema_version"] == 1
        assert envelope["metadata"]["source"] == "api"
        assert envelope["occurred_at"].endswith("Z")
        uuid.UUID(envelope["id"])
    assert store_count(write_stack) == 11


def test_relay_reports_lag_and_progress(write_stack):
    alice = ApiClient(write_stack.url("api"))
    alice.create_list()
    write_stack.tap.drain(1)
    import time

    import requests

    # The broker hands the message to the tap before the relay has its confirm (and counts
    # the event): wait for the relay's figures to catch up with what the tap already has.
    wanted = ("relay_lag_seconds_count 1.0", "relay_events_published_total 1.0")
    deadline = time.monotonic() + 10
    while True:
        metrics = requests.get(write_stack.url("relay") + "/metrics", timeout=5).text
        if all(line in metrics for line in wanted) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for line in wanted:
        assert line in metrics, metrics[-2000:]
    health = requests.get(write_stack.url("relay") + "/healthz", timeout=5).json()
    assert health["role"] == "publishing" and health["broker"] == "connected"
