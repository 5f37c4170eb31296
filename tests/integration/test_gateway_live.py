"""Gateway, live broadcast (issue 5): tokens, channels, revocation, once and in order.

Real broker, real API and relay, the real gateway process, python-socketio clients over
both transports.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support.api import ApiClient
from tests.support.gateway import (
    GatewayClient,
    Publisher,
    assert_once_in_order,
    metrics,
    realtime_token,
    service_envelope,
    wait_for,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

TRANSPORTS = [["websocket"], ["polling"]]


@pytest.fixture(scope="module")
def live_stack(databases) -> Iterator[Stack]:
    """One stack for this module: every test uses its own users and lists."""
    stack = databases.new_stack()
    failed = True
    try:
        stack.start("api")
        stack.start("relay")
        stack.start("gateway")
        yield stack
        failed = False
    finally:
        stack.teardown(failed=failed)


@pytest.mark.parametrize("transports", TRANSPORTS, ids=["websocket", "polling"])
def test_subscribed_client_receives_the_event_of_an_http_command(live_stack, transports):
    alice = ApiClient(live_stack.url("api"))
    list_id = alice.create_list()["id"]
    channel = f"list:{list_id}"
    client = GatewayClient(alice.realtime_token([channel]), transports).connect(
        live_stack.url("gateway")
    )
    try:
        ack = client.subscribe(channel)
        assert ack["ok"] is True and ack["channel"] == channel
        assert isinstance(ack["position"], int)
        todo = alice.add_todo(list_id, "buy milk")
        wait_for(lambda: client.of_channel(channel), what="the TodoCreated event")
        event = client.of_channel(channel)[-1]
        assert event["type"] == "TodoCreated"
        assert event["data"]["todo_id"] == todo["id"]
        assert event["position"] == todo["position"]
    finally:
        client.close()


def test_refusals_follow_the_contract(live_stack):
    alice, mallory = ApiClient(live_stack.url("api")), ApiClient(live_stack.url("api"))
    list_id = alice.create_list()["id"]
    gateway = live_stack.url("gateway")
    client = GatewayClient(mallory.realtime_token([f"user:{mallory.user_id}"])).connect(gateway)
    try:
        forbidden = client.subscribe(f"list:{list_id}")
        assert forbidden == {
            "ok": False,
            "error": {"code": "forbidden", "message": forbidden["error"]["message"]},
        }
        for bad in ("list:not-a-uuid", "public:UPPER", "nonsense", 42, "user:abc"):
            ack = client.subscribe(bad)  # type: ignore[arg-type]
            assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (bad, ack)
        ack = client.subscribe(f"user:{mallory.user_id}", since=-1)
        assert ack["error"]["code"] == "bad_request"
        assert client.subscribe(f"user:{mallory.user_id}")["ok"] is True
        # a token presented on subscribe adds its channels; an expired one says so
        expired = realtime_token(alice.user_id, [f"list:{list_id}"], ttl=-5)
        ack = client.subscribe(f"list:{list_id}", token=expired)
        assert ack["error"]["code"] == "token_expired"
        assert client.unsubscribe(f"user:{mallory.user_id}") == {"ok": True}
    finally:
        client.close()


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        realtime_token("1", ["user:1"], secret="another-secret-0123456789abcdef0123456789"),
        realtime_token("1", ["user:1"], ttl=-10),
    ],
    ids=["forged", "foreign-key", "expired"],
)
@pytest.mark.parametrize("transports", TRANSPORTS, ids=["websocket", "polling"])
def test_bad_tokens_are_refused_at_connect(live_stack, token, transports):
    import socketio

    client = socketio.Client(reconnection=False)
    errors = []
    client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live_stack.url("gateway"), auth={"token": token}, transports=transports, wait_timeout=30
        )
    assert errors == [{"message": "invalid_token", "data": {"code": "invalid_token"}}]


def test_removed_member_stops_receiving_and_cannot_resubscribe(live_stack):
    owner, member = ApiClient(live_stack.url("api")), ApiClient(live_stack.url("api"))
    list_id = owner.create_list()["id"]
    owner.add_member(list_id, member.username)
    channel = f"list:{list_id}"
    held = member.realtime_token([channel, f"user:{member.user_id}"])
    gateway = live_stack.url("gateway")
    watcher = GatewayClient(owner.realtime_token([channel])).connect(gateway)
    client = GatewayClient(held).connect(gateway)
    try:
        assert watcher.subscribe(channel)["ok"] and client.subscribe(channel)["ok"]
        owner.add_todo(list_id, "before")
        wait_for(lambda: len(client.of_channel(channel)) == 1, what="the first todo")
        owner.remove_member(list_id, member.user_id)
        wait_for(
            lambda: ("unsubscribed", {"channel": channel, "reason": "revoked"}) in client.notices,
            what="the eviction notice",
        )
        owner.add_todo(list_id, "after")
        wait_for(
            lambda: [e for e in watcher.of_channel(channel) if e["data"].get("title") == "after"],
            what="the owner seeing the later todo",
        )
        assert [e["type"] for e in client.of_channel(channel)] == ["TodoCreated", "MemberRemoved"]
        again = client.subscribe(channel)
        assert again["ok"] is False and again["error"]["code"] == "forbidden"
        # also on a fresh connection with the held token, and with since
        other = GatewayClient(held).connect(gateway)
        try:
            assert other.subscribe(channel)["error"]["code"] == "forbidden"
            assert other.subscribe(channel, since=0)["error"]["code"] == "forbidden"
        finally:
            other.close()
    finally:
        client.close()
        watcher.close()


def test_held_token_is_refused_by_a_gateway_that_started_after_the_removal(live_stack):
    owner, member = ApiClient(live_stack.url("api")), ApiClient(live_stack.url("api"))
    list_id = owner.create_list()["id"]
    owner.add_member(list_id, member.username)
    channel = f"list:{list_id}"
    held = member.realtime_token([channel])
    owner.remove_member(list_id, member.user_id)
    live_stack.restart("gateway")
    client = GatewayClient(held).connect(live_stack.url("gateway"))
    try:
        assert client.subscribe(channel)["error"]["code"] == "forbidden"
    finally:
        client.close()


@pytest.mark.parametrize("transports", TRANSPORTS, ids=["websocket", "polling"])
def test_anonymous_public_news_and_list_events_without_position_reach_nobody(
    live_stack, transports
):
    owner = ApiClient(live_stack.url("api"))
    list_id = owner.create_list()["id"]
    gateway = live_stack.url("gateway")
    anonymous = GatewayClient(None, transports).connect(gateway)
    member = GatewayClient(owner.realtime_token([f"list:{list_id}"])).connect(gateway)
    publisher = Publisher(live_stack.exchange)
    before = metrics(gateway)
    try:
        assert anonymous.subscribe("public:news")["ok"]
        assert anonymous.subscribe(f"user:{owner.user_id}")["error"]["code"] == "forbidden"
        assert member.subscribe(f"list:{list_id}")["ok"]
        forged = service_envelope(
            f"list:{list_id}",
            type="TodoCreated",
            data={"todo_id": "x", "list_id": list_id, "title": "forged"},
        )
        publisher.publish(forged)
        publisher.publish(b"{not json")
        publisher.publish(b"x" * (64 * 1024 + 1))
        news = service_envelope("public:news")
        publisher.publish(news)
        wait_for(lambda: anonymous.ids() == [news["id"]], what="the news event")

        def dropped(reason: str) -> float:
            key = f'gateway_dropped_events_total{{reason="{reason}"}}'
            return metrics(gateway).get(key, 0) - before.get(key, 0)

        wait_for(lambda: dropped("not_from_store") == 1, what="the refused list event counted")
        assert dropped("not_json") == 1
        assert dropped("too_large") == 1
        owner.add_todo(list_id, "real")  # the consumer went on after the refusals
        wait_for(lambda: member.of_channel(f"list:{list_id}"), what="a later store event")
        assert [e["data"]["title"] for e in member.events] == ["real"]
    finally:
        publisher.close()
        anonymous.close()
        member.close()


def test_forged_positions_do_not_disturb_store_delivery(live_stack):
    """A foreign event claiming a position, or a store-typed event at a position the store
    does not have, is dropped; the real events around them still arrive."""
    owner = ApiClient(live_stack.url("api"))
    list_id = owner.create_list()["id"]
    gateway = live_stack.url("gateway")
    member = GatewayClient(owner.realtime_token([f"list:{list_id}"])).connect(gateway)
    anonymous = GatewayClient(None).connect(gateway)
    publisher = Publisher(live_stack.exchange)
    before = metrics(gateway)

    def dropped(reason: str) -> float:
        key = f'gateway_dropped_events_total{{reason="{reason}"}}'
        return metrics(gateway).get(key, 0) - before.get(key, 0)

    try:
        assert member.subscribe(f"list:{list_id}")["ok"]
        assert anonymous.subscribe("public:news")["ok"]
        head = owner.add_todo(list_id, "first")["position"]
        wait_for(lambda: len(member.events) == 1, what="the first event")
        publisher.publish(service_envelope("public:news", position=head + 1))
        far = service_envelope(
            f"list:{list_id}",
            type="TodoCreated",
            data={"todo_id": str(uuid.uuid4()), "list_id": list_id, "title": "forged"},
            position=head + 1000,
            stream=f"todo-{uuid.uuid4()}",
        )
        publisher.publish(far)
        wait_for(lambda: dropped("not_from_store") == 1, what="the foreign position refused")
        wait_for(lambda: dropped("unknown_position") == 1, what="the unknown position dropped")
        owner.add_todo(list_id, "second")
        wait_for(lambda: len(member.events) == 2, what="the next real event")
        assert [e["data"]["title"] for e in member.events] == ["first", "second"]
        assert anonymous.events == []
    finally:
        publisher.close()
        anonymous.close()
        member.close()


def test_each_event_once_per_connection_in_position_order(live_stack):
    owner = ApiClient(live_stack.url("api"))
    list_id = owner.create_list()["id"]
    channels = [f"list:{list_id}", f"user:{owner.user_id}"]
    token = owner.realtime_token(channels)
    gateway = live_stack.url("gateway")
    clients = [GatewayClient(token, t).connect(gateway) for t in TRANSPORTS]
    friend = ApiClient(live_stack.url("api"))
    try:
        for client in clients:
            for channel in channels:
                assert client.subscribe(channel)["ok"]
        for n in range(15):
            owner.add_todo(list_id, f"todo {n}")
        owner.add_member(list_id, friend.username)  # on both list: and user:? no: user:friend
        owner.remove_member(list_id, friend.user_id)
        expected = 17
        for client in clients:
            wait_for(lambda c=client: len(c.events) >= expected, what="all events")
        time.sleep(0.5)  # let any duplicate arrive before checking there is none
        for client in clients:
            assert len(client.events) == expected
            assert_once_in_order(client.events)
    finally:
        for client in clients:
            client.close()


def test_subscribe_floods_are_rate_limited(live_stack):
    client = GatewayClient(None).connect(live_stack.url("gateway"))
    try:
        codes = [
            client.subscribe(f"public:flood{n}").get("error", {}).get("code") for n in range(80)
        ]
        assert codes[0] is None  # the first ones are fine
        assert "rate_limited" in codes
        assert client.sio.connected  # refused, not disconnected
    finally:
        client.close()
