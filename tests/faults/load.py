"""The fault suite's load driver: several users issuing mixed commands, each on a thread.

Every command is logged with its answer. Commands are chosen so that each 2xx answer
stands for exactly one stored event (its type and stream known from the request): a user
mutates only the todos they created, toggles completion to the opposite of what it is, and
only owners share, unshare, rename and delete lists. So the store can be audited command by
command (``invariants.check_commands``).

POSTs carry an ``Idempotency-Key``; an answer of 503 or a dropped connection is retried with
the same key (the store must then hold the aggregate once), and some successful POSTs are
sent again on purpose (the replay must return the same id). Other methods are not retried:
their first answer is final.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.api import ApiClient

RETRYABLE = (503,)
MAX_ATTEMPTS = 60  # an outage of the database or broker lasts seconds; retry for its whole length


@dataclass
class Command:
    user: str
    method: str
    path: str
    kind: str  # the event type a 2xx answer stands for
    stream: str | None  # its stream, when known before the answer
    status: int = 0
    position: int | None = None
    attempts: int = 0
    key: str | None = None
    created_id: str | None = None
    statuses: list[int] = field(default_factory=list)


@dataclass
class Shared:
    """What every driver thread knows about lists and todos (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> owner, members
    todos: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> list, owner, done
    protected: set[str] = field(default_factory=set)  # lists never deleted (the subscribed ones)


class Load:
    """``users`` issuing commands until :meth:`stop` (or ``max_commands`` in all)."""

    def __init__(
        self, users: list[ApiClient], shared: Shared, seed: int, max_commands: int = 3000
    ) -> None:
        self.users = users
        self.shared = shared
        self.rng = random.Random(seed)
        self.max_commands = max_commands
        self.log: list[Command] = []
        self.setup_head = 0  # the store's head before the load: setup events are older
        self.log_lock = threading.Lock()
        self.stopped = threading.Event()
        self.idempotent_replays = 0
        self.replay_mismatches: list[str] = []
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._run, args=(u, random.Random(seed + i)), daemon=True)
            for i, u in enumerate(users)
        ]

    # -- running ------------------------------------------------------------------------------

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(120)
        assert not any(t.is_alive() for t in self.threads), "a driver thread hangs"
        assert not self.errors, self.errors

    def wait_commands(self, count: int, timeout: float = 120.0) -> None:
        """Block until ``count`` more commands were answered 2xx."""
        target = self.accepted() + count
        deadline = time.monotonic() + timeout
        while self.accepted() < target:
            assert time.monotonic() < deadline, f"load stalled at {self.accepted()} accepted"
            assert not self.errors, self.errors
            time.sleep(0.05)

    def accepted(self) -> int:
        with self.log_lock:
            return sum(1 for c in self.log if 200 <= c.status < 300)

    def _run(self, user: ApiClient, rng: random.Random) -> None:
        try:
            while not self.stopped.is_set() and len(self.log) < self.max_commands:
                command = self._one(user, rng)
                if command is not None:
                    with self.log_lock:
                        self.log.append(command)
                time.sleep(rng.uniform(0.0, 0.02))
        except BaseException as exc:  # surfaced by stop()
            self.errors.append(exc)

    # -- choosing -----------------------------------------------------------------------------

    def _one(self, user: ApiClient, rng: random.Random) -> Command | None:
        s = self.shared
        with s.lock:
            mine = [lid for lid, v in s.lists.items() if user.id in v["members"]]
            owned = [lid for lid, v in s.lists.items() if v["owner"] == user.id]
            my_todos = [t for t, v in s.todos.items() if v["owner"] == user.id]
        others = [u for u in self.users if u is not user]
        roll = rng.random()
        name = f"item {rng.randint(1, 10**6)} {rng.choice(['milk', 'tea', 'é', '☕'])}"
        if roll < 0.06 or not mine:
            return self._create_list(user, name)
        if roll < 0.40:
            return self._create_todo(user, rng.choice(mine), name)
        if roll < 0.65 and my_todos:
            return self._toggle(user, rng.choice(my_todos))
        if roll < 0.72 and my_todos:
            tid = rng.choice(my_todos)
            return self._send(user, "PATCH", f"/api/todos/{tid}", "TodoRenamed", f"todo-{tid}",
                              {"title": name})  # fmt: skip
        if roll < 0.80 and my_todos:
            return self._delete_todo(user, rng.choice(my_todos))
        if roll < 0.90 and owned and others:
            return self._share_or_unshare(user, rng.choice(owned), rng.choice(others))
        if roll < 0.96 and owned:
            lid = rng.choice(owned)
            return self._send(user, "PATCH", f"/api/lists/{lid}", "ListRenamed", f"list-{lid}",
                              {"name": name})  # fmt: skip
        deletable = [lid for lid in owned if lid not in s.protected]
        if deletable:
            return self._delete_list(user, rng.choice(deletable))
        return None

    def _create_list(self, user: ApiClient, name: str) -> Command:
        cmd = self._send(user, "POST", "/api/lists", "ListCreated", None, {"name": name})
        if cmd.status == 201:
            with self.shared.lock:
                self.shared.lists[str(cmd.created_id)] = {"owner": user.id, "members": {user.id}}
        return cmd

    def _create_todo(self, user: ApiClient, lid: str, title: str) -> Command:
        cmd = self._send(user, "POST", f"/api/lists/{lid}/todos", "TodoCreated", None,
                         {"title": title})  # fmt: skip
        if cmd.status == 201:
            with self.shared.lock:
                self.shared.todos[str(cmd.created_id)] = {
                    "list": lid,
                    "owner": user.id,
                    "done": False,
                }
        return cmd

    def _toggle(self, user: ApiClient, tid: str) -> Command:
        with self.shared.lock:
            done = self.shared.todos.get(tid, {}).get("done", False)
        kind = "TodoReopened" if done else "TodoCompleted"
        cmd = self._send(user, "PATCH", f"/api/todos/{tid}", kind, f"todo-{tid}",
                         {"completed": not done})  # fmt: skip
        if cmd.status == 200:
            with self.shared.lock:
                if tid in self.shared.todos:
                    self.shared.todos[tid]["done"] = not done
        elif cmd.status == 404:
            self._forget_todo(tid)
        return cmd

    def _delete_todo(self, user: ApiClient, tid: str) -> Command:
        cmd = self._send(user, "DELETE", f"/api/todos/{tid}", "TodoDeleted", f"todo-{tid}")
        if cmd.status in (204, 404):
            self._forget_todo(tid)
        return cmd

    def _forget_todo(self, tid: str) -> None:
        with self.shared.lock:
            self.shared.todos.pop(tid, None)

    def _share_or_unshare(self, user: ApiClient, lid: str, other: ApiClient) -> Command:
        with self.shared.lock:
            member = other.id in self.shared.lists.get(lid, {}).get("members", set())
        if member:
            cmd = self._send(user, "DELETE", f"/api/lists/{lid}/members/{other.id}",
                             "MemberRemoved", f"list-{lid}")  # fmt: skip
        else:
            cmd = self._send(user, "POST", f"/api/lists/{lid}/members", "MemberAdded",
                             f"list-{lid}", {"username": other.username})  # fmt: skip
        if 200 <= cmd.status < 300:
            with self.shared.lock:
                members = self.shared.lists[lid]["members"]
                (members.discard if member else members.add)(other.id)
        return cmd

    def _delete_list(self, user: ApiClient, lid: str) -> Command:
        cmd = self._send(user, "DELETE", f"/api/lists/{lid}", "ListDeleted", f"list-{lid}")
        if cmd.status in (204, 404):
            with self.shared.lock:
                self.shared.lists.pop(lid, None)
                self.shared.todos = {t: v for t, v in self.shared.todos.items() if v["list"] != lid}
        return cmd

    # -- sending ------------------------------------------------------------------------------

    def _send(
        self,
        user: ApiClient,
        method: str,
        path: str,
        kind: str,
        stream: str | None,
        body: dict[str, Any] | None = None,
    ) -> Command:
        cmd = Command(user.id, method, path, kind, stream)
        headers: dict[str, str] = {}
        if method == "POST":
            cmd.key = uuid.uuid4().hex
            headers["Idempotency-Key"] = cmd.key
        reply = None
        while cmd.attempts < MAX_ATTEMPTS:
            cmd.attempts += 1
            try:
                reply = user.request(method, path, json=body, headers=headers, timeout=20)
            except requests.RequestException:
                cmd.statuses.append(0)
            else:
                cmd.statuses.append(reply.status_code)
                if reply.status_code not in RETRYABLE:
                    break
                assert reply.headers.get("Retry-After"), f"503 without Retry-After: {reply.text}"
            if method != "POST":
                break  # not idempotent: the first answer is the command's answer
            time.sleep(0.25)
        cmd.status = reply.status_code if reply is not None else 0
        assert cmd.status < 500 or cmd.status == 503, f"{method} {path}: {cmd.status} {reply}"
        if reply is not None and 200 <= cmd.status < 300:
            cmd.position = int(reply.headers["X-Write-Position"])
            if method == "POST":
                cmd.created_id = str(reply.json()["id"])
                prefix = {"ListCreated": "list", "TodoCreated": "todo"}.get(kind)
                if prefix:
                    cmd.stream = f"{prefix}-{cmd.created_id}"
                if random.random() < 0.15:
                    self._replay(user, path, body, headers, reply)
        return cmd

    def _replay(
        self,
        user: ApiClient,
        path: str,
        body: Any,
        headers: dict[str, str],
        first: requests.Response,
    ) -> None:
        """Send a successful POST again with its key: the first answer must come back."""
        again = user.request("POST", path, json=body, headers=headers, timeout=20)
        if again.status_code == 503:
            return  # the database is down right now; the replay is tried on later commands
        self.idempotent_replays += 1
        if again.status_code != first.status_code or again.json() != first.json():
            self.replay_mismatches.append(f"{path}: {again.status_code} {again.text[:200]}")
