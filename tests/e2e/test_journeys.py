"""The main journeys over real HTTP and real Socket.IO, against all four processes.

Runs against the local processes (default) or the compose stack: ``E2E_STACK=compose``.
"""

from __future__ import annotations

import pytest

from tests.support.api import ApiClient
from tests.support.gateway import CommandFlow, GatewayClient, assert_complete, wait_for
from tests.support.projector import assert_matches_oracle, wait_caught_up

pytestmark = pytest.mark.e2e


@pytest.fixture
def shared(system):
    """Alice and Bob (new for each test, so no test depends on another having run) share a
    list; both are subscribed to it through the gateway."""
    alice, bob = ApiClient(system.api_url), ApiClient(system.api_url)
    list_id = alice.create_list("Weekend")["id"]
    alice.add_member(list_id, bob.username)
    channel = f"list:{list_id}"
    clients = {}
    for user in (alice, bob):
        client = GatewayClient(user.realtime_token([channel, f"user:{user.user_id}"]))
        client.connect(system.gateway_url)
        assert client.subscribe(channel, since=0)["ok"]
        clients[user.username] = client
    yield system, alice, bob, list_id, channel, clients
    for client in clients.values():
        client.close()


def test_commands_from_each_user_reach_both_in_order(shared):
    _, alice, bob, list_id, channel, clients = shared
    for n in range(10):
        (alice if n % 2 else bob).add_todo(list_id, f"item {n}")
    milk = alice.add_todo(list_id, "milk")
    bob.call("PATCH", f"/api/todos/{milk['id']}", {"completed": True})
    alice.call("PATCH", f"/api/lists/{list_id}", {"name": "Long weekend"})
    for client in clients.values():
        assert_complete(client, alice, channel, 0)
    types = [e["type"] for e in clients[bob.username].of_channel(channel)]
    assert types[:2] == ["ListCreated", "MemberAdded"]
    assert types[-2:] == ["TodoCompleted", "ListRenamed"]


def test_a_reconnecting_client_resumes_with_since(shared):
    system, alice, bob, list_id, channel, clients = shared
    client = clients[bob.username]
    wait_for(lambda: client.positions.get(channel), what="a position to resume from")
    client.close()
    resumed_from = client.positions[channel]
    seen = len(client.of_channel(channel))
    for n in range(20):
        alice.add_todo(list_id, f"while away {n}")
    client.reconnect(system.gateway_url)  # subscribe with since = last position seen
    alice.add_todo(list_id, "after coming back")
    assert_complete(client, alice, channel, 0)
    missed = client.of_channel(channel)[seen:]
    assert [e["data"]["title"] for e in missed[:20]] == [f"while away {n}" for n in range(20)]
    assert all(e["position"] > resumed_from for e in missed)


def test_projector_restarted_mid_stream_catches_up(shared):
    system, alice, _, list_id, channel, clients = shared
    with CommandFlow(alice, [list_id]) as flow:
        wait_for(lambda: flow.count >= 10, what="commands flowing")
        system.restart("projector")
        wait_for(lambda: flow.count >= 30, what="commands after the restart")
    head = wait_caught_up(system)
    detail = alice.call("GET", f"/api/lists/{list_id}?min_position={head}")
    assert any(t["title"] == f"flow {flow.count - 1}" for t in detail["todos"])
    for client in clients.values():
        assert_complete(client, alice, channel, 0)


def test_read_models_equal_a_replay_after_the_run(shared):
    system, alice, bob, list_id, _, _ = shared
    todo = bob.add_todo(list_id, "bread")
    alice.call("PATCH", f"/api/todos/{todo['id']}", {"completed": True})
    alice.call("DELETE", f"/api/lists/{list_id}/members/{bob.user_id}")
    alice.add_todo(alice.create_list("Other")["id"], "tea")
    wait_caught_up(system)
    assert_matches_oracle(system)
