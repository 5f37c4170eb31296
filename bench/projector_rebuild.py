"""Benchmark (not a test): seed 100,000 stored events, then time ``python -m projector rebuild``.

Usage: ``.venv/bin/python bench/projector_rebuild.py [--events N] [--batch-size N]``.
Needs the local PostgreSQL (TEST_PG_ADMIN_URL, default postgres@127.0.0.1:5432); creates a
migrated scratch database, and drops it afterwards. Prints the rebuild's events per second.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.stack import (
    PYTHON,
    REPO,
    TEST_REALTIME_SECRET,
    TEST_SECRET_KEY,
    DatabaseFactory,
    drop_database,
)

USERS = ("1", "2")


def generate(count: int, seed: int = 7) -> list[tuple[Any, ...]]:
    """``count`` valid events over a few thousand lists, as event_store rows."""
    rng = random.Random(seed)
    versions: dict[str, int] = {}
    lists: list[str] = []
    todos: dict[str, tuple[str, bool]] = {}
    rows: list[tuple[Any, ...]] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def emit(kind: str, stream: str, actor: str, data: dict[str, Any]) -> None:
        versions[stream] = versions.get(stream, 0) + 1
        position = len(rows) + 1
        at = start + timedelta(milliseconds=position)
        channels = [f"list:{data['list_id']}"]
        rows.append(
            (
                position,
                str(uuid.uuid4()),
                stream,
                versions[stream],
                kind,
                1,
                at,
                at,
                json.dumps(channels),
                json.dumps(data),
                json.dumps({"actor": actor, "source": "api"}),
            )
        )

    while len(rows) < count:
        actor = rng.choice(USERS)
        roll = rng.random()
        if roll < 0.03 or not lists:
            lid = str(uuid.uuid4())
            lists.append(lid)
            emit(
                "ListCreated",
                f"list-{lid}",
                actor,
                {"list_id": lid, "name": "list", "owner_id": actor},
            )
            emit(
                "MemberAdded",
                f"list-{lid}",
                actor,
                {"list_id": lid, "user_id": USERS[actor == "1"]},
            )
        elif roll < 0.40 or not todos:
            tid, lid = str(uuid.uuid4()), rng.choice(lists)
            todos[tid] = (lid, False)
            emit(
                "TodoCreated",
                f"todo-{tid}",
                actor,
                {"todo_id": tid, "list_id": lid, "title": "do it"},
            )
        else:
            # the 50 newest todos still there, oldest first (without copying the whole dict:
            # that made seeding quadratic, hours for 1,000,000 events)
            recent = list(itertools.islice(reversed(todos), 50))[::-1]
            tid = rng.choice(recent)
            lid, done = todos[tid]
            if roll < 0.75:
                todos[tid] = (lid, not done)
                kind = "TodoReopened" if done else "TodoCompleted"
                emit(kind, f"todo-{tid}", actor, {"todo_id": tid, "list_id": lid})
            elif roll < 0.9:
                emit(
                    "TodoRenamed",
                    f"todo-{tid}",
                    actor,
                    {"todo_id": tid, "list_id": lid, "title": "renamed"},
                )
            else:
                del todos[tid]
                emit("TodoDeleted", f"todo-{tid}", actor, {"todo_id": tid, "list_id": lid})
    return rows[:count]


def seed(url: str, count: int) -> None:
    rows = generate(count)
    with psycopg.connect(url) as conn:
        for pk, name in ((1, "alice"), (2, "bob")):
            conn.execute(
                "INSERT INTO auth_user (id, password, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined) "
                "VALUES (%s, '!', false, %s, '', '', '', false, true, now())",
                (pk, name),
            )
        with conn.cursor().copy(
            "COPY event_store (position, event_id, stream, version, type, schema_version, "
            "occurred_at, recorded_at, channels, data, metadata) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    factory = DatabaseFactory()
    url, name = factory.new_database()
    try:
        started = time.monotonic()
        seed(url, args.events)
        print(f"seeded {args.events} events in {time.monotonic() - started:.1f}s", flush=True)
        env = {
            "DATABASE_URL": url,
            "REALTIME_SECRET": TEST_REALTIME_SECRET,
            "SECRET_KEY": TEST_SECRET_KEY,
            "PATH": "/usr/bin:/bin",
        }
        started = time.monotonic()
        result = subprocess.run(
            [
                PYTHON,
                "-m",
                "projector",
                "rebuild",
                "--progress",
                "lines",
                "--batch-size",
                str(args.batch_size),
            ],
            cwd=REPO,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
        if result.returncode:
            print(f"rebuild failed with {result.returncode}", file=sys.stderr)
            return 1
        print(
            f"rebuild: {args.events} events in {elapsed:.1f}s = {args.events / elapsed:,.0f} events/s "
            "(wall clock, including process start)"
        )
        return 0
    finally:
        drop_database(name)
        factory.cleanup()


if __name__ == "__main__":
    sys.exit(main())
