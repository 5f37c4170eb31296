"""At most one relay publishes at a time (CONTRACT.md §1): a lock the others wait for.

PostgreSQL: a session advisory lock on a dedicated connection — if the holder dies, its
connection closes and the lock is free. The same connection LISTENs for the store's NOTIFY,
so the relay wakes within milliseconds of a commit. SQLite (development): an ``flock`` on a
file next to the database, and polling. Tests: :class:`InMemoryRelayLock`. All three pass
one contract suite (``tests/contracts/relay_lock.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import psycopg
from todo_shared.eventstore.interface import NOTIFY_CHANNEL


class RelayLock(Protocol):
    """At most one holder at a time, across processes; the holder waits for commits."""

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this instance holds it (again)."""
        ...

    def wait_for_commit(self, timeout: float) -> None:
        """Return after a commit to the store or ``timeout`` seconds, whichever first."""
        ...

    def release(self) -> None:
        """Give the lock back (a no-op when not held)."""
        ...


#: Seconds between two liveness checks of the lock connection while commits keep coming.
CHECK_EVERY = 1.0


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresRelayLock:
    """Advisory lock + LISTEN on one autocommit connection."""

    def __init__(self, db: dict[str, Any], name: str) -> None:
        self.db = db
        self.key = _lock_key(f"relay:{name}")
        self.conn: psycopg.Connection[Any] | None = None
        self.checked_at = 0.0  # when the connection last answered (at most every CHECK_EVERY)

    def _connect(self) -> psycopg.Connection[Any]:
        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(
                dbname=self.db["NAME"],
                user=self.db.get("USER") or None,
                password=self.db.get("PASSWORD") or None,
                host=self.db.get("HOST") or None,
                port=self.db.get("PORT") or None,
                autocommit=True,
                # DATABASE_URL's query options (sslmode, …) apply to this connection too.
                **{"connect_timeout": 5, **self.db.get("OPTIONS", {})},
            )
        return self.conn

    def try_acquire(self) -> bool:
        conn = self._connect()
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        if row and row[0]:
            conn.execute(f'LISTEN "{NOTIFY_CHANNEL}"')
            return True
        return False

    def wait_for_commit(self, timeout: float) -> None:
        """Block until a NOTIFY arrives or ``timeout``; raises if the lock connection died."""
        conn = self._connect() if self.conn is None else self.conn
        woken = False
        for _ in conn.notifies(timeout=timeout, stop_after=1):
            woken = True
        if woken:  # those queued behind it are commits the next read sees too
            for _ in conn.notifies(timeout=0):
                pass
        if time.monotonic() >= self.checked_at + CHECK_EVERY:
            conn.execute("SELECT 1")  # proves the connection (and so the lock) is still there
            self.checked_at = time.monotonic()

    def release(self) -> None:
        """Unlock, then close: closing alone frees the lock only once the server notices."""
        if self.conn is not None and not self.conn.closed:
            with contextlib.suppress(psycopg.Error):  # a dead connection took its lock along
                self.conn.execute("SELECT pg_advisory_unlock_all()")
            self.conn.close()
        self.conn = None


class FileRelayLock:
    """``flock`` on ``<database>.relay.lock``; commits are found by polling."""

    def __init__(self, database_path: str, poll_interval: float = 0.05) -> None:
        self.path = Path(f"{database_path}.relay.lock")
        self.poll_interval = poll_interval
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def wait_for_commit(self, timeout: float) -> None:
        time.sleep(min(timeout, self.poll_interval))

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class InMemoryRelayLock:
    """A lock shared by the instances made from one :class:`InMemoryLockTable` (tests)."""

    def __init__(self, table: InMemoryLockTable) -> None:
        self.table = table
        self.held = False

    def try_acquire(self) -> bool:
        with self.table.condition:
            if self.table.holder in (None, self):
                self.table.holder = self
                self.held = True
        return self.held

    def wait_for_commit(self, timeout: float) -> None:
        with self.table.condition:
            seen = self.table.commits
            self.table.condition.wait_for(lambda: self.table.commits != seen, timeout)

    def release(self) -> None:
        with self.table.condition:
            if self.table.holder is self:
                self.table.holder = None
            self.held = False


class InMemoryLockTable:
    """The shared state of in-memory relay locks; :meth:`committed` wakes the waiters."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.holder: InMemoryRelayLock | None = None
        self.commits = 0

    def lock(self) -> InMemoryRelayLock:
        return InMemoryRelayLock(self)

    def committed(self) -> None:
        with self.condition:
            self.commits += 1
            self.condition.notify_all()
