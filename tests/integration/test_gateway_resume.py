"""Gateway guarantees (issue 6): resume with since, broker loss, a dead gateway, shutdown."""

from __future__ import annotations

import signal
import socket

import pytest

from tests.support.api import ApiClient
from tests.support.gateway import (
    CommandFlow,
    GatewayClient,
    assert_complete,
    close_all_broker_connections,
    metrics,
    wait_for,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture
def write_side(stack: Stack) -> Stack:
    stack.start("api")
    stack.start("relay")
    return stack


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
def test_resume_after_missing_50_events_then_live(write_side, transports):
    stack = write_side
    stack.start("gateway")
    alice = ApiClient(stack.url("api"))
    list_id = alice.create_list()["id"]
    channel = f"list:{list_id}"
    client = GatewayClient(alice.realtime_token([channel]), transports).connect(
        stack.url("gateway")
    )
    try:
        assert client.subscribe(channel)["ok"]
        alice.add_todo(list_id, "seen")
        wait_for(lambda: client.of_channel(channel), what="the first event")
        last_seen = client.positions[channel]
        client.close()
        missed = [alice.add_todo(list_id, f"missed {n}") for n in range(50)]
        client.reconnect(stack.url("gateway"))  # subscribes with since=last_seen
        after_resume = [e["data"]["title"] for e in client.of_channel(channel)[1:]]
        assert after_resume == [f"missed {n}" for n in range(50)]  # all before the ack
        assert client.positions[channel] >= missed[-1]["position"]
        alice.add_todo(list_id, "live")
        wait_for(lambda: len(client.of_channel(channel)) == 52, what="the live event")
        assert_complete(client, alice, channel, since=last_seen - 1)
    finally:
        client.close()


def test_ten_clients_lose_nothing_when_broker_connections_close_twice(write_side):
    stack = write_side
    stack.start("gateway")
    owner = ApiClient(stack.url("api"))
    lists = [owner.create_list(f"l{n}")["id"] for n in range(2)]
    channels = [f"list:{i}" for i in lists]
    token = owner.realtime_token(channels)
    gateway = stack.url("gateway")
    clients = [
        GatewayClient(token, ["polling"] if n % 3 == 0 else ["websocket"]).connect(gateway)
        for n in range(10)
    ]
    starts = {}
    try:
        for n, client in enumerate(clients):
            for channel in channels:
                ack = client.subscribe(channel)
                assert ack["ok"]
                starts[(n, channel)] = ack["position"]
        with CommandFlow(owner, lists) as flow:
            for round_ in range(2):
                wait_for(lambda f=flow, r=round_: f.count >= 20 * (r + 1), what="commands")
                fills = metrics(gateway).get('gateway_gap_fills_total{trigger="reconnect"}', 0)
                lost = metrics(gateway).get("gateway_broker_reconnects_total", 0)
                close_all_broker_connections()
                wait_for(
                    lambda n=lost: metrics(gateway).get("gateway_broker_reconnects_total", 0) > n,
                    what="the gateway losing its broker connection",
                )
                wait_for(
                    lambda f=fills: (
                        metrics(gateway).get('gateway_gap_fills_total{trigger="reconnect"}', 0) > f
                    ),
                    what="the gateway reconnecting and filling the gap",
                )
            wait_for(lambda f=flow: f.count >= 60, what="commands after the second loss")
        for n, client in enumerate(clients):
            for channel in channels:
                assert_complete(client, owner, channel, starts[(n, channel)])
    finally:
        for client in clients:
            client.close()


def test_clients_resume_on_a_second_gateway_after_the_first_is_killed(write_side):
    stack = write_side
    first = stack.start("gateway")
    second = stack.start("gateway#2")
    owner = ApiClient(stack.url("api"))
    list_id = owner.create_list()["id"]
    channel = f"list:{list_id}"
    token = owner.realtime_token([channel])
    on_first = [GatewayClient(token).connect(first.url) for _ in range(3)]
    on_second = GatewayClient(token).connect(second.url)
    starts = {}
    try:
        for client in [*on_first, on_second]:
            ack = client.subscribe(channel)
            starts[id(client)] = ack["position"]
        with CommandFlow(owner, [list_id]) as flow:
            wait_for(lambda: flow.count >= 15, what="commands")
            stack.kill("gateway", signal.SIGKILL)
            wait_for(lambda: flow.count >= 30, what="commands while the clients are away")
            for client in on_first:
                client.reconnect(second.url)
            wait_for(lambda: flow.count >= 45, what="commands after the move")
        for client in [*on_first, on_second]:
            assert_complete(client, owner, channel, starts[id(client)])
    finally:
        for client in [*on_first, on_second]:
            client.close()


def test_sigterm_tells_clients_to_reconnect_and_exits(write_side):
    stack = write_side
    gateway = stack.start("gateway")
    clients = [GatewayClient(None, t).connect(gateway.url) for t in (["websocket"], ["polling"])]
    for client in clients:
        assert client.subscribe("public:news")["ok"]
    assert stack.kill("gateway", signal.SIGTERM, timeout=30) == 0
    for client in clients:
        wait_for(
            lambda c=client: (
                (
                    "disconnecting",
                    {"code": "server_shutdown", "message": "this gateway is stopping; reconnect"},
                )
                in c.notices
            ),
            what="the shutdown notice",
        )
        wait_for(lambda c=client: not c.sio.connected, what="the client disconnected")
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", gateway.port)) != 0  # no longer listening
    assert '"gateway stopped"' in gateway.log_text()
