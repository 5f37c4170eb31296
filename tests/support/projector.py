"""Helpers for the projector's integration tests (no tests here).

Drives the real API over HTTP, reads tables with psycopg, replays the store in memory with
the projector's own projection, and talks to the broker for raw messages and dead letters.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import pika
import psycopg
import requests
from projector.domain.handlers import replay
from projector.domain.rows import Event

from tests.support.stack import AMQP_URL, PYTHON, REPO, Stack
from tests.support.waiting import WAIT, wait_for

TABLES = {
    "rm_list": "list_id, name, owner_id, open_count, done_count, version, position, created_at",
    "rm_list_member": "list_id, user_id, username, position",
    "rm_todo": "todo_id, list_id, title, completed, version, position, created_position, "
    "created_at, updated_at",
    "rm_activity": "position, list_id, type, actor, summary, occurred_at",
}


def query(stack: Stack, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return list(cursor.fetchall()) if cursor.description else []


def checkpoint(stack: Stack) -> int:
    rows = query(stack, "SELECT position FROM rm_checkpoint WHERE name = 'read-models'")
    return int(rows[0][0]) if rows else 0


def store_head(stack: Stack) -> int:
    return int(query(stack, "SELECT coalesce(max(position), 0) FROM event_store")[0][0])


def wait_caught_up(stack: Stack, timeout: float = WAIT) -> int:
    """Wait until the checkpoint equals the store's head (read twice, to be stable)."""

    def caught_up() -> int | None:
        head = store_head(stack)
        return head if head and checkpoint(stack) == head else None

    return int(wait_for(caught_up, timeout, "the projector to reach the store's head"))


def snapshot(stack: Stack) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table, whole (surrogate ids left out), in a stable order."""
    return {
        table: sorted(query(stack, f"SELECT {columns} FROM {table}"), key=repr)  # noqa: S608
        for table, columns in TABLES.items()
    }


def replayed(stack: Stack) -> dict[str, list[tuple[Any, ...]]]:
    """What the tables must hold: a fresh in-memory replay of the whole store."""
    rows = query(
        stack,
        "SELECT position, type, stream, version, occurred_at, data, metadata, event_id "
        "FROM event_store ORDER BY position",
    )
    events = [Event(p, t, s, v, o.astimezone(UTC), d, m, str(e)) for p, t, s, v, o, d, m, e in rows]
    users = {str(pk): name for pk, name in query(stack, "SELECT id, username FROM auth_user")}
    models = replay(events, users)
    import uuid

    def u(value: str) -> uuid.UUID:
        return uuid.UUID(value)

    result = {
        "rm_list": [
            (
                u(r.list_id),
                r.name,
                r.owner_id,
                r.open_count,
                r.done_count,
                r.version,
                r.position,
                r.created_at,
            )
            for r in models.lists.values()
        ],
        "rm_list_member": [
            (u(r.list_id), r.user_id, r.username, r.position) for r in models.members.values()
        ],
        "rm_todo": [
            (
                u(r.todo_id),
                u(r.list_id),
                r.title,
                r.completed,
                r.version,
                r.position,
                r.created_position,
                r.created_at,
                r.updated_at,
            )
            for r in models.todos.values()
        ],
        "rm_activity": [
            (r.position, u(r.list_id), r.type, r.actor, r.summary, r.occurred_at)
            for r in models.activity.values()
        ],
    }
    return {table: sorted(rows, key=repr) for table, rows in result.items()}


def rebuild(stack: Stack, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m projector rebuild`` against the stack's database."""
    env = {**stack.base_env(), "PROJECTOR_PORT": "1"}
    return subprocess.run(
        [PYTHON, "-m", "projector", "rebuild", "--progress", "lines", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def projector_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**stack.base_env(), "PROJECTOR_PORT": "1"}
    return subprocess.run(
        [PYTHON, "-m", "projector", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# -- the API --------------------------------------------------------------------------------


@dataclass
class User:
    id: str
    username: str
    token: str


@dataclass
class Api:
    """A small client of the real API."""

    base: str
    session: requests.Session = field(default_factory=requests.Session)

    def call(
        self, user: User | None, method: str, path: str, body: Any = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {user.token}"} if user else {}
        return self.session.request(
            method, self.base + path, json=body, headers=headers, timeout=30
        )

    def register(self, username: str) -> User:
        resp = self.call(
            None,
            "POST",
            "/api/auth/register",
            {"username": username, "password": "correct-horse-battery"},
        )
        assert resp.status_code == 201, resp.text
        data = resp.json()
        return User(str(data["id"]), data["username"], data["token"])


@dataclass
class World:
    """What the random driver knows: lists (with members) and todos it created."""

    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    todos: dict[str, dict[str, Any]] = field(default_factory=dict)


def random_command(api: Api, users: list[User], world: World, rng: random.Random) -> None:
    """Issue one random, mostly valid command; refusals (4xx) are fine, 5xx are not."""
    actor = rng.choice(users)
    other = next(u for u in users if u is not actor)
    mine = [lid for lid, w in world.lists.items() if actor.id in w["members"]]
    owned = [lid for lid, w in world.lists.items() if w["owner"] == actor.id]
    todos = [tid for tid, t in world.todos.items() if t["list"] in mine]
    choice = rng.random()
    name = f"item {rng.randint(1, 10**6)} '{rng.choice(['milk', 'bread', 'tea', 'é', 'x'])}'"
    if choice < 0.12 or not mine:
        resp = api.call(actor, "POST", "/api/lists", {"name": name})
        if resp.status_code == 201:
            world.lists[resp.json()["id"]] = {"owner": actor.id, "members": {actor.id}}
    elif choice < 0.45:
        lid = rng.choice(mine)
        resp = api.call(actor, "POST", f"/api/lists/{lid}/todos", {"title": name})
        if resp.status_code == 201:
            world.todos[resp.json()["id"]] = {"list": lid}
    elif choice < 0.7 and todos:
        tid = rng.choice(todos)
        body: dict[str, Any] = {"completed": rng.random() < 0.6}
        if rng.random() < 0.3:
            body["title"] = name
        resp = api.call(actor, "PATCH", f"/api/todos/{tid}", body)
    elif choice < 0.78 and todos:
        tid = rng.choice(todos)
        resp = api.call(actor, "DELETE", f"/api/todos/{tid}")
        if resp.status_code == 204:
            world.todos.pop(tid)
    elif choice < 0.86 and owned:
        lid = rng.choice(owned)
        if other.id in world.lists[lid]["members"]:
            resp = api.call(actor, "DELETE", f"/api/lists/{lid}/members/{other.id}")
            if resp.status_code == 204:
                world.lists[lid]["members"].discard(other.id)
        else:
            resp = api.call(
                actor, "POST", f"/api/lists/{lid}/members", {"username": other.username}
            )
            if resp.status_code == 201:
                world.lists[lid]["members"].add(other.id)
    elif choice < 0.9 and mine:
        lid = rng.choice([lid for lid in mine if lid not in owned] or mine)
        resp = api.call(actor, "DELETE", f"/api/lists/{lid}/members/{actor.id}")
        if resp.status_code == 204:
            world.lists[lid]["members"].discard(actor.id)
    elif choice < 0.96 and owned:
        resp = api.call(actor, "PATCH", f"/api/lists/{rng.choice(owned)}", {"name": name})
    elif owned:
        lid = rng.choice(owned)
        resp = api.call(actor, "DELETE", f"/api/lists/{lid}")
        if resp.status_code == 204:
            world.lists.pop(lid)
            world.todos = {t: v for t, v in world.todos.items() if v["list"] != lid}
    else:
        resp = api.call(actor, "POST", "/api/lists", {"name": name})
        if resp.status_code == 201:
            world.lists[resp.json()["id"]] = {"owner": actor.id, "members": {actor.id}}
    assert resp.status_code < 500, f"{resp.status_code} {resp.text}"


def drive(api: Api, users: list[User], count: int, seed: int, world: World | None = None) -> World:
    """Issue ``count`` random commands from ``users``."""
    rng = random.Random(seed)
    world = world or World()
    for _ in range(count):
        random_command(api, users, world, rng)
    return world


def start_writers(stack: Stack, prefix: str) -> tuple[Api, list[User]]:
    api = Api(stack.url("api"))
    return api, [api.register(f"{prefix}{i}") for i in range(2)]


# -- the broker -----------------------------------------------------------------------------


def broker() -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(AMQP_URL))


def publish_raw(stack: Stack, body: bytes, headers: dict[str, Any] | None = None) -> None:
    conn = broker()
    try:
        channel = conn.channel()
        channel.confirm_delivery()
        props = pika.BasicProperties(
            content_type="application/json", delivery_mode=2, headers=headers
        )
        channel.basic_publish(stack.exchange, "", body, props)
    finally:
        conn.close()


def queue_depth(name: str) -> int:
    conn = broker()
    try:
        return int(conn.channel().queue_declare(name, passive=True).method.message_count)
    finally:
        conn.close()


def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    """The dead letters, as ``dead-letters list --json`` shows them."""
    result = projector_cli(stack, "dead-letters", "list", "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def rabbitmqctl(*args: str) -> None:
    subprocess.run(
        ["rabbitmqctl", *args], check=True, capture_output=True, timeout=60, env={**os.environ}
    )
