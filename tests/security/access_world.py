"""The people and credentials of the access-control matrix (no tests here).

A *world* is one list owned by ``owner`` with ``member`` in it, ``removed`` added then
removed, and one todo; ``stranger`` never belonged and ``logged_out`` has signed out.
Besides bearer tokens, the credentials include realtime tokens that must not work where
they are shown: expired, signed with another key, for another channel, issued before a
removal, and the gateway's service token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from todo_shared.tokens import issue_service_token, issue_token

from tests.support.api import ApiClient
from tests.support.stack import TEST_REALTIME_SECRET

OTHER_KEY = "not-the-realtime-secret-0123456789abcdef0123456789"
USER_ROLES = ("owner", "member", "removed", "stranger")
TOKEN_ROLES = ("expired", "other_key", "other_channel", "before_removal", "service")
ROLES = (*USER_ROLES, "anonymous", "logged_out", *TOKEN_ROLES)


@dataclass
class World:
    api: str
    people: dict[str, ApiClient]
    list_id: str
    todo_id: str
    position: int
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    realtime: dict[str, str] = field(default_factory=dict)  # role -> realtime token

    def user(self, role: str) -> ApiClient:
        return self.people[role]

    @property
    def channel(self) -> str:
        return f"list:{self.list_id}"


def new_people(api: str) -> dict[str, ApiClient]:
    people = {role: ApiClient(api) for role in (*USER_ROLES, "logged_out")}
    people["logged_out"].ok("POST", "/api/auth/logout", status=204)
    return people


def build_world(api: str, people: dict[str, ApiClient], tokens: bool = True) -> World:
    """A fresh list with its todo, members and a removed member (5 writes); with
    ``tokens``, the realtime tokens of every role too."""
    owner = people["owner"]
    list_id = owner.create_list(f"matrix {uuid.uuid4().hex[:6]}")["id"]
    for role in ("member", "removed"):
        owner.ok("POST", f"/api/lists/{list_id}/members", json={"username": people[role].username})
    channel = f"list:{list_id}"
    before_removal = ""
    if tokens:
        before_removal = people["removed"].ok(
            "POST", "/api/realtime/token", status=200, json={"channels": [channel]}
        )["token"]
    owner.ok("DELETE", f"/api/lists/{list_id}/members/{people['removed'].id}")
    todo = owner.add_todo(list_id, "the todo")
    world = World(api, people, list_id, todo["id"], todo["position"])
    world.headers = {role: _bearer(people[role].token) for role in (*USER_ROLES, "logged_out")}
    world.headers["anonymous"] = {}
    if not tokens:
        return world
    world.realtime = {
        "owner": owner.ok("POST", "/api/realtime/token", status=200, json={"channels": [channel]})[
            "token"
        ],
        "member": people["member"].ok(
            "POST", "/api/realtime/token", status=200, json={"channels": [channel]}
        )["token"],
        "expired": issue_token(
            TEST_REALTIME_SECRET, user_id=owner.id, channels=[channel], position=0, ttl=-60
        )[0],
        "other_key": issue_token(
            OTHER_KEY, user_id=owner.id, channels=[channel], position=0, ttl=600
        )[0],
        "other_channel": owner.ok(
            "POST", "/api/realtime/token", status=200, json={"channels": [f"user:{owner.id}"]}
        )["token"],
        "before_removal": before_removal,
        "service": issue_service_token(TEST_REALTIME_SECRET, "gateway"),
    }
    for role in TOKEN_ROLES:
        world.headers[role] = _bearer(world.realtime[role])
    return world


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh_bearer(world: World, role: str) -> dict[str, str]:
    """A new bearer token of ``role`` (for cells that sign out)."""
    person = world.people[role]
    reply = requests.post(
        f"{world.api}/api/auth/token",
        json={"username": person.username, "password": "s3cret-pass!"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return _bearer(reply.json()["token"])


def assert_error_shape(reply: requests.Response) -> None:
    body: Any = reply.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error.get("fields", {}), dict), body
