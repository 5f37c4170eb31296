"""Access-control matrix over every REST endpoint of CONTRACT.md §4 and every role.

Each cell sends one request with one role's credentials and checks the exact documented
status (docs/api.md: a list you cannot see is 404, one you can see but may not change is
403, no or bad credentials 401) and, for errors, the §4 error shape. Cells that may change
state get a fresh world, so an allowed change never hides a later refusal. A final check
fails when the OpenAPI document lists an endpoint the matrix does not cover.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.security.access_world import (
    ROLES,
    USER_ROLES,
    World,
    assert_error_shape,
    build_world,
    fresh_bearer,
    new_people,
)
from tests.support.api import ApiClient
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

Expect = dict[str, int]  # role -> status; roles not named get NOT_A_USER


@dataclass(frozen=True)
class Cell:
    method: str
    path: str  # OpenAPI template
    expect: Expect
    body: Callable[[World], Any] | None = None
    others: int = 401  # what every role that is not a signed-in user gets
    mutates: bool = True

    def url(self, world: World) -> str:
        return world.api + self.path.format(
            id=self.list_id(world), user_id=world.user("member").id, channel=world.channel
        )

    def list_id(self, world: World) -> str:
        return world.todo_id if self.path.startswith("/api/todos/") else world.list_id

    def status(self, role: str) -> int:
        return self.expect.get(role, self.others)


def members(**statuses: int) -> Expect:
    return {
        "owner": statuses["owner"],
        "member": statuses["member"],
        "removed": 404,
        "stranger": 404,
    }


def every_user(status: int) -> Expect:
    return dict.fromkeys(USER_ROLES, status)


NAME = lambda world: {"name": "renamed"}  # noqa: E731
EVENTS_BY_TOKEN = {"expired": 401, "other_key": 401, "other_channel": 403, "before_removal": 403}
PUBLIC = dict.fromkeys(ROLES, 200)

CELLS = [
    Cell("POST", "/api/auth/register", PUBLIC | dict.fromkeys(ROLES, 201),
         lambda w: {"username": f"n{uuid.uuid4().hex[:10]}", "password": "long enough 1"},
         mutates=False),
    Cell("POST", "/api/auth/token", PUBLIC,
         lambda w: {"username": w.user("stranger").username, "password": "s3cret-pass!"},
         mutates=False),
    Cell("GET", "/api/auth/me", every_user(200), mutates=False),
    Cell("POST", "/api/auth/logout", every_user(204), mutates=False),  # fresh tokens: send()
    Cell("GET", "/api/lists", every_user(200), mutates=False),
    Cell("POST", "/api/lists", every_user(201), NAME),
    Cell("GET", "/api/lists/{id}", members(owner=200, member=200), mutates=False),
    Cell("PATCH", "/api/lists/{id}", members(owner=200, member=403), NAME),
    Cell("DELETE", "/api/lists/{id}", members(owner=204, member=403)),
    Cell("POST", "/api/lists/{id}/members", members(owner=201, member=403),
         lambda w: {"username": ApiClient(w.api).username}),
    Cell("DELETE", "/api/lists/{id}/members/{user_id}", members(owner=204, member=204)),
    Cell("GET", "/api/lists/{id}/activity", members(owner=200, member=200), mutates=False),
    Cell("POST", "/api/lists/{id}/todos", members(owner=201, member=201),
         lambda w: {"title": "another"}),
    Cell("PATCH", "/api/todos/{id}", members(owner=200, member=200),
         lambda w: {"completed": True}),
    Cell("DELETE", "/api/todos/{id}", members(owner=204, member=204)),
    Cell("POST", "/api/realtime/token", members(owner=200, member=200) | {"removed": 403, "stranger": 403},
         lambda w: {"channels": [w.channel]}),
    Cell("GET", "/api/events?channel={channel}",
         members(owner=200, member=200) | {"removed": 403, "stranger": 403}
         | EVENTS_BY_TOKEN | {"service": 200}, mutates=False),
    Cell("GET", "/api/openapi.json", PUBLIC, mutates=False),
    Cell("GET", "/api/docs", PUBLIC, mutates=False),
    Cell("GET", "/healthz", PUBLIC, mutates=False),
    Cell("GET", "/metrics", PUBLIC, mutates=False),
]  # fmt: skip


@pytest.fixture(scope="module")
def api(module_stack: Stack) -> str:
    env = {"RATE_LIMIT_WRITES": "0", "RATE_LIMIT_AUTH": "0", "RATE_LIMIT_REALTIME_TOKENS": "0"}
    module_stack.start("api", env=env)
    module_stack.start("relay")
    module_stack.start("projector")
    return module_stack.url("api")


@pytest.fixture(scope="module")
def people(api: str) -> dict[str, ApiClient]:
    return new_people(api)


@pytest.fixture(scope="module")
def shared_world(api: str, people: dict[str, ApiClient]) -> Iterator[World]:
    world = build_world(api, people)
    # reads come from the read models: wait once until they include the whole world
    people["owner"].ok("GET", f"/api/lists/{world.list_id}?min_position={world.position}")
    yield world


def send(cell: Cell, world: World, role: str) -> requests.Response:
    headers = dict(world.headers[role])
    if cell.path == "/api/auth/logout" and role in USER_ROLES:
        headers = fresh_bearer(world, role)  # signing out must not end the shared token
    url = cell.url(world)
    body = cell.body(world) if cell.body else None
    return requests.request(cell.method, url, json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("cell", CELLS, ids=[f"{c.method} {c.path}" for c in CELLS])
def test_cell(
    cell: Cell, role: str, api: str, people: dict[str, ApiClient], shared_world: World
) -> None:
    # A refused request changes nothing (if it did, its status would already be wrong), so
    # only cells expected to succeed at a change need a world of their own.
    fresh = cell.mutates and cell.status(role) < 300
    world = build_world(api, people, tokens=False) if fresh else shared_world
    world.headers = {**shared_world.headers, **world.headers}
    reply = send(cell, world, role)
    assert reply.status_code == cell.status(role), f"{role}: {reply.status_code} {reply.text[:300]}"
    if reply.status_code >= 400:
        assert_error_shape(reply)
    elif cell.path in {"/api/lists", "/api/lists/{id}"} and cell.method == "GET":
        body = reply.json()
        ids = {item["id"] for item in body} if isinstance(body, list) else {body["id"]}
        assert (world.list_id in ids) == (role in {"owner", "member"}), (role, ids)
    elif cell.path.startswith("/api/events"):
        channels = {c for e in reply.json()["events"] for c in e["channels"]}
        assert world.channel in channels


def test_the_matrix_covers_every_documented_endpoint(api: str) -> None:
    document = requests.get(f"{api}/api/openapi.json", timeout=30).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    covered = {(c.method, c.path.split("?")[0]) for c in CELLS}
    assert documented <= covered, f"endpoints without a matrix row: {documented - covered}"


def test_a_removed_member_loses_catch_up_at_once(api: str, people: dict[str, ApiClient]) -> None:
    world = build_world(api, people)
    member = world.user("member")
    channel = world.channel
    assert member.request("GET", f"/api/events?channel={channel}").status_code == 200
    token = member.ok("POST", "/api/realtime/token", status=200, json={"channels": [channel]})
    world.user("owner").ok("DELETE", f"/api/lists/{world.list_id}/members/{member.id}")
    after = world.user("owner").add_todo(world.list_id, "after the removal")
    for headers in ({}, {"Authorization": f"Bearer {token['token']}"}):
        reply = member.request("GET", f"/api/events?channel={channel}", headers=headers)
        assert reply.status_code == 403, reply.text
        assert_error_shape(reply)
    # With no channel named, of this list only their own MemberAdded/MemberRemoved come back
    # (through their user: channel), never the list's other events.
    events, cursor = [], 0
    while True:
        page = member.ok("GET", f"/api/events?after={cursor}&limit=1000")
        events += [e for e in page["events"] if channel in e["channels"]]
        if page["last_position"] <= cursor:
            break
        cursor = page["last_position"]
    assert {e["type"] for e in events} == {"MemberAdded", "MemberRemoved"}, events
    assert all(f"user:{member.id}" in e["channels"] for e in events), events
    assert cursor >= after["position"]  # the paging went past the todo it must not see
