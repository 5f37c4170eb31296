"""Helpers for the projector's integration tests (no tests here).

Drives the real API over HTTP, reads tables with psycopg, replays the store in memory with
the independent oracle (tests/support/oracle.py), and talks to the broker for raw messages and dead letters.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import dataclass, field
from typing import Any

import pika
import psycopg

from tests.support import oracle
from tests.support.api import ApiClient
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


def assert_matches_oracle(target: Any) -> None:
    """The read models equal the independent oracle's replay of the store
    (:mod:`tests.support.oracle`, which shares no code with the projector's handlers).

    ``target`` is anything with a ``database_url`` (a stack, an e2e system)."""
    diff = oracle.differences(target.database_url)
    assert not diff, f"read models differ from the oracle's replay: {diff}"


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


# -- the API (through tests.support.api.ApiClient) ------------------------------------


@dataclass
class World:
    """What the random driver knows: lists (with members) and todos it created."""

    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    todos: dict[str, dict[str, Any]] = field(default_factory=dict)


def random_command(users: list[ApiClient], world: World, rng: random.Random) -> None:
    """Issue one random, mostly valid command; refusals (4xx) are fine, 5xx are not."""
    actor = rng.choice(users)
    other = next(u for u in users if u is not actor)
    mine = [lid for lid, w in world.lists.items() if actor.id in w["members"]]
    owned = [lid for lid, w in world.lists.items() if w["owner"] == actor.id]
    todos = [tid for tid, t in world.todos.items() if t["list"] in mine]
    choice = rng.random()
    name = f"item {rng.randint(1, 10**6)} '{rng.choice(['milk', 'bread', 'tea', 'é', 'x'])}'"
    if choice < 0.12 or not mine:
        resp = actor.request("POST", "/api/lists", json={"name": name})
        if resp.status_code == 201:
            world.lists[resp.json()["id"]] = {"owner": actor.id, "members": {actor.id}}
    elif choice < 0.45:
        lid = rng.choice(mine)
        resp = actor.request("POST", f"/api/lists/{lid}/todos", json={"title": name})
        if resp.status_code == 201:
            world.todos[resp.json()["id"]] = {"list": lid}
    elif choice < 0.7 and todos:
        tid = rng.choice(todos)
        body: dict[str, Any] = {"completed": rng.random() < 0.6}
        if rng.random() < 0.3:
            body["title"] = name
        resp = actor.request("PATCH", f"/api/todos/{tid}", json=body)
    elif choice < 0.78 and todos:
        tid = rng.choice(todos)
        resp = actor.request("DELETE", f"/api/todos/{tid}")
        if resp.status_code == 204:
            world.todos.pop(tid)
    elif choice < 0.86 and owned:
        lid = rng.choice(owned)
        if other.id in world.lists[lid]["members"]:
            resp = actor.request("DELETE", f"/api/lists/{lid}/members/{other.id}")
            if resp.status_code == 204:
                world.lists[lid]["members"].discard(other.id)
        else:
            resp = actor.request(
                "POST", f"/api/lists/{lid}/members", json={"username": other.username}
            )
            if resp.status_code == 201:
                world.lists[lid]["members"].add(other.id)
    elif choice < 0.9 and mine:
        lid = rng.choice([lid for lid in mine if lid not in owned] or mine)
        resp = actor.request("DELETE", f"/api/lists/{lid}/members/{actor.id}")
        if resp.status_code == 204:
            world.lists[lid]["members"].discard(actor.id)
    elif choice < 0.96 and owned:
        resp = actor.request("PATCH", f"/api/lists/{rng.choice(owned)}", json={"name": name})
    elif owned:
        lid = rng.choice(owned)
        resp = actor.request("DELETE", f"/api/lists/{lid}")
        if resp.status_code == 204:
            world.lists.pop(lid)
            world.todos = {t: v for t, v in world.todos.items() if v["list"] != lid}
    else:
        resp = actor.request("POST", "/api/lists", json={"name": name})
        if resp.status_code == 201:
            world.lists[resp.json()["id"]] = {"owner": actor.id, "members": {actor.id}}
    assert resp.status_code < 500, f"{resp.status_code} {resp.text}"


def drive(users: list[ApiClient], count: int, seed: int, world: World | None = None) -> World:
    """Issue ``count`` random commands from ``users``."""
    rng = random.Random(seed)
    world = world or World()
    for _ in range(count):
        random_command(users, world, rng)
    return world


def start_writers(stack: Stack, prefix: str) -> list[ApiClient]:
    return [ApiClient(stack.url("api"), f"{prefix}{i}") for i in range(2)]


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
