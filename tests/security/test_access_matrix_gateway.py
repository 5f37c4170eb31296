"""Access-control matrix of the gateway (CONTRACT.md §5) over every §3 channel kind.

Every credential of the HTTP matrix is tried at connect (``auth.token``) and, where the
connection is accepted, against a ``list:``, an own and a foreign ``user:`` and a
``public:`` channel; tokens are also tried passed with ``subscribe``. Then: removing a
member ends their live events at once, and their catch-up with ``since`` too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from tests.security.access_world import World, build_world, new_people
from tests.support.api import ApiClient
from tests.support.gateway import GatewayClient, wait_for
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

REFUSED = "invalid_token"


@pytest.fixture(scope="module")
def world(module_stack: Stack) -> Iterator[World]:
    module_stack.start("api", env={"RATE_LIMIT_WRITES": "0", "RATE_LIMIT_AUTH": "0"})
    module_stack.start("relay")
    module_stack.start("gateway")
    people = new_people(module_stack.url("api"))
    built = build_world(module_stack.url("api"), people)
    stranger = people["stranger"]
    built.realtime["stranger"] = stranger.ok(
        "POST", "/api/realtime/token", status=200, json={"channels": [f"user:{stranger.id}"]}
    )["token"]
    owner = people["owner"]
    built.realtime["owner"] = owner.ok(
        "POST",
        "/api/realtime/token",
        status=200,
        json={"channels": [built.channel, f"user:{owner.id}"]},
    )["token"]
    built.realtime["anonymous"] = ""
    yield built


def channels(world: World) -> dict[str, str]:
    return {
        "list": world.channel,
        "own_user": f"user:{world.user('owner').id}",
        "foreign_user": f"user:{world.user('stranger').id}",
        "public": "public:matrix",
    }


# credential -> what connect does, then per channel kind the subscribe outcome
OK = "ok"
MATRIX: dict[str, str | dict[str, str]] = {
    "owner": {"list": OK, "own_user": OK, "foreign_user": "forbidden", "public": OK},
    "member": {"list": OK, "own_user": "forbidden", "foreign_user": "forbidden", "public": OK},
    "before_removal": {
        "list": "forbidden",
        "own_user": "forbidden",
        "foreign_user": "forbidden",
        "public": OK,
    },
    "other_channel": {
        "list": "forbidden",
        "own_user": OK,
        "foreign_user": "forbidden",
        "public": OK,
    },
    "stranger": {"list": "forbidden", "own_user": "forbidden", "foreign_user": OK, "public": OK},
    "anonymous": {
        "list": "forbidden",
        "own_user": "forbidden",
        "foreign_user": "forbidden",
        "public": OK,
    },
    "expired": REFUSED,
    "other_key": REFUSED,
    "service": REFUSED,
}
# the same tokens passed with subscribe on an anonymous connection, to the list channel
WITH_SUBSCRIBE = {
    "owner": OK,
    "member": OK,
    "before_removal": "forbidden",
    "other_channel": "forbidden",
    "stranger": "forbidden",
    "expired": "token_expired",
    "other_key": "forbidden",
    "service": "forbidden",
}


def outcome(ack: dict[str, Any]) -> str:
    if ack.get("ok") is True:
        return OK
    assert ack.get("ok") is False and set(ack) == {"ok", "error"}, ack
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"], ack
    return str(ack["error"]["code"])


def connect_refusal(url: str, token: str) -> Any:
    client = socketio.Client(reconnection=False)
    errors: list[Any] = []
    client.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    wait_for(lambda: errors, what="connect_error")
    return errors[0]


@pytest.mark.parametrize("credential", list(MATRIX))
def test_connect_and_subscribe(credential: str, world: World, module_stack: Stack) -> None:
    url = module_stack.url("gateway")
    token = world.realtime[credential]
    expected = MATRIX[credential]
    if expected == REFUSED:
        assert connect_refusal(url, token) == {"message": REFUSED, "data": {"code": REFUSED}}
        return
    assert isinstance(expected, dict)
    client = GatewayClient(token or None).connect(url)
    try:
        got = {
            kind: outcome(client.subscribe(channel)) for kind, channel in channels(world).items()
        }
    finally:
        client.close()
    assert got == expected


@pytest.mark.parametrize("credential", list(WITH_SUBSCRIBE))
def test_tokens_passed_with_subscribe(credential: str, world: World, module_stack: Stack) -> None:
    client = GatewayClient().connect(module_stack.url("gateway"))
    try:
        ack = client.subscribe(world.channel, token=world.realtime[credential])
    finally:
        client.close()
    assert outcome(ack) == WITH_SUBSCRIBE[credential]


def test_removal_stops_live_events_and_catch_up_at_once(world: World, module_stack: Stack) -> None:
    api, url = module_stack.url("api"), module_stack.url("gateway")
    people = world.people
    fresh = build_world(api, people, tokens=False)
    owner, member = people["owner"], people["member"]
    channel = fresh.channel

    def token_of(person: ApiClient) -> str:
        return person.ok("POST", "/api/realtime/token", status=200, json={"channels": [channel]})[
            "token"
        ]

    watcher = GatewayClient(token_of(owner)).connect(url)
    removed = GatewayClient(token_of(member)).connect(url)
    try:
        assert watcher.subscribe(channel, since=0)["ok"]
        assert removed.subscribe(channel, since=0)["ok"]
        before = owner.add_todo(fresh.list_id, "seen by both")
        for client in (watcher, removed):
            wait_for(
                lambda c=client: before["id"] in {e["data"].get("todo_id") for e in c.events},
                what="the todo before the removal",
            )
        owner.ok("DELETE", f"/api/lists/{fresh.list_id}/members/{member.id}")
        wait_for(
            lambda: ("unsubscribed", {"channel": channel, "reason": "revoked"}) in removed.notices,
            what="the revocation notice",
        )
        after = owner.add_todo(fresh.list_id, "after the removal")
        wait_for(
            lambda: after["id"] in {e["data"].get("todo_id") for e in watcher.events},
            what="the watcher's event after the removal",
        )
        assert after["id"] not in {e["data"].get("todo_id") for e in removed.events}
        assert "MemberRemoved" in {e["type"] for e in removed.events}  # told, then cut off
        # Catch-up: neither resuming with the old token nor a fresh connection gets the list.
        resumed = removed.subscribe(channel, since=0)
        assert outcome(resumed) == "forbidden"
        assert after["id"] not in {e["data"].get("todo_id") for e in removed.events}
        refused = member.request("POST", "/api/realtime/token", json={"channels": [channel]})
        assert refused.status_code == 403, refused.text
    finally:
        watcher.close()
        removed.close()
