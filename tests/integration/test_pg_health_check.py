"""The PostgreSQL backend's health check (todo_shared.pgbackend): no round trip for a quiet
connection, and a connection the server ended is found unusable."""

from __future__ import annotations

import psycopg
import pytest

from tests.contracts.django_db import POSTGRES


@pytest.fixture
def pg(django_databases):
    from django.db import connections

    connection = connections[POSTGRES]
    assert type(connection).__module__ == "todo_shared.pgbackend.base"
    connection.ensure_connection()
    yield connection
    connection.close()


def test_a_quiet_connection_is_usable_without_a_query(pg, monkeypatch):
    from django.db.backends.postgresql import base

    asked: list[bool] = []
    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", lambda self: asked.append(True))
    assert pg.is_usable() is True
    assert asked == []  # Django's SELECT 1 was not needed


def test_a_terminated_backend_is_found_unusable(pg):
    pid = pg.connection.info.backend_pid
    admin = pg.settings_dict
    with psycopg.connect(
        dbname=admin["NAME"],
        user=admin["USER"] or None,
        password=admin["PASSWORD"] or None,
        host=admin["HOST"] or None,
        port=admin["PORT"] or None,
        autocommit=True,
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    assert pg.is_usable() is False
    pg.close_if_unusable_or_obsolete()
    with pg.cursor() as cursor:  # a fresh connection
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
    assert pg.connection.info.backend_pid != pid
