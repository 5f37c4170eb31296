"""Read endpoints serve the read models, with X-Read-Position and read-your-writes."""

import signal

from tests.support.api import ApiClient


def test_reads_follow_writes_with_min_position(stack):
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    alice, bob = ApiClient(stack.url("api"), "alice"), ApiClient(stack.url("api"), "bob")
    lid = alice.create_list("Groceries")["id"]
    milk = alice.add_todo(lid, "buy milk")
    alice.add_todo(lid, "bread")
    alice.ok("PATCH", f"/api/todos/{milk['id']}", json={"completed": True})
    reply = alice.request("POST", f"/api/lists/{lid}/members", json={"username": "bob"})
    written = int(reply.headers["X-Write-Position"])

    detail = bob.request("GET", f"/api/lists/{lid}?min_position={written}")
    assert detail.status_code == 200, detail.text
    assert int(detail.headers["X-Read-Position"]) >= written
    body = detail.json()
    assert body["name"] == "Groceries" and body["owner_id"] == alice.id
    assert body["members"] == [
        {"id": alice.id, "username": "alice"},
        {"id": bob.id, "username": "bob"},
    ]
    assert (body["open_count"], body["done_count"]) == (1, 1)
    assert [(t["title"], t["completed"]) for t in body["todos"]] == [
        ("buy milk", True),
        ("bread", False),
    ]
    assert body["position"] == written and body["version"] == 2

    lists = bob.request("GET", f"/api/lists?min_position={written}")
    assert [entry["id"] for entry in lists.json()] == [lid]
    activity = alice.ok("GET", f"/api/lists/{lid}/activity?limit=10&min_position={written}")
    summaries = [a["summary"] for a in activity]
    assert "alice completed 'buy milk'" in summaries
    assert [a["position"] for a in activity] == sorted(
        (a["position"] for a in activity), reverse=True
    )
    assert activity[0]["actor"] == "alice" and activity[0]["type"] == "MemberAdded"
    assert len(alice.ok("GET", f"/api/lists/{lid}/activity?limit=2")) == 2

    # Not a member: 404, whatever the read models hold.
    carol = ApiClient(stack.url("api"), "carol")
    assert carol.request("GET", f"/api/lists/{lid}?min_position={written}").status_code == 404
    assert carol.ok("GET", "/api/lists") == []


def test_min_position_waits_then_503_when_projector_is_down(stack):
    stack.start("api")
    stack.start("relay")
    stack.start("projector")
    alice = ApiClient(stack.url("api"))
    lid = alice.create_list()["id"]
    stack.kill("projector", signal.SIGTERM)
    written = int(
        alice.request("POST", f"/api/lists/{lid}/todos", json={"title": "x"}).headers[
            "X-Write-Position"
        ]
    )
    reply = alice.request("GET", f"/api/lists/{lid}?min_position={written}")
    assert reply.status_code == 503
    assert reply.headers["Retry-After"]
    assert reply.json()["error"]["code"] == "unavailable"
    beyond = alice.request("GET", f"/api/lists/{lid}?min_position={written + 1}")
    assert beyond.status_code == 400
    stack.restart("projector")
    caught_up = alice.request("GET", f"/api/lists/{lid}?min_position={written}")
    assert caught_up.status_code == 200 and caught_up.json()["todos"][0]["title"] == "x"
