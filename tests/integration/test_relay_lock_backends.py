"""The relay locks of both databases pass the relay lock contract (in this process)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from todo_api.relay.lock import FileRelayLock, PostgresRelayLock

from tests.contracts.django_db import POSTGRES
from tests.contracts.recorder import a_stream, new_event
from tests.contracts.relay_lock import CrossProcessLockContract


class TestPostgresRelayLock(CrossProcessLockContract):
    @pytest.fixture(autouse=True)
    def _database(self, django_databases):
        self.db = django_databases[POSTGRES]
        self.name = f"contract-{uuid.uuid4().hex[:8]}"
        yield
        from django.db import connections

        connections.close_all()

    def create_lock(self) -> PostgresRelayLock:
        return PostgresRelayLock(self.db, self.name)

    def commit(self) -> None:
        from todo_shared.eventstore.recorder import PostgresRecorder

        PostgresRecorder(POSTGRES).append([new_event(a_stream(), 1)])  # NOTIFY at commit

    def holder_code(self) -> str:
        return (
            "from todo_api.relay.lock import PostgresRelayLock\n"
            f"lock = PostgresRelayLock({self.db!r}, {self.name!r})"
        )

    def test_the_wait_fails_loudly_when_the_lock_connection_is_gone(self) -> None:
        import psycopg

        lock = self.create_lock()
        try:
            assert lock.try_acquire() is True
            assert lock.conn is not None
            pid = lock.conn.info.backend_pid
            with psycopg.connect(**_connect_args(self.db), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            with pytest.raises(psycopg.Error):
                lock.wait_for_commit(timeout=1.0)
        finally:
            lock.release()


def _connect_args(db: dict) -> dict:
    return {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }


class TestFileRelayLock(CrossProcessLockContract):
    @pytest.fixture(autouse=True)
    def _path(self, tmp_path: Path):
        self.database = str(tmp_path / "todo.sqlite3")

    def create_lock(self) -> FileRelayLock:
        return FileRelayLock(self.database)

    def commit(self) -> None:
        """Nothing to do: the file lock polls, so every wait ends within its interval."""

    def holder_code(self) -> str:
        return f"from todo_api.relay.lock import FileRelayLock\nlock = FileRelayLock({self.database!r})"
