"""Django in the test process, on two databases: ``default`` (SQLite) and ``postgres``.

The contract suites of the Django-backed recorder and relay lock run in-process against
both. The PostgreSQL one is a fresh clone of the run's migrated template; the SQLite one a
file migrated here. Django is configured once per process.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from todo_shared.config import database_config

from tests.support.stack import DatabaseFactory, drop_database

SQLITE = "default"
POSTGRES = "postgres"


@pytest.fixture(scope="session")
def django_databases(databases: DatabaseFactory) -> Iterator[dict[str, dict[str, object]]]:
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    pg_url, pg_name = databases.new_database()
    folder = Path(tempfile.mkdtemp(prefix="todo-contract-"))
    config = {
        SQLITE: database_config(
            f"sqlite:///{folder / 'store.sqlite3'}".replace(":///", ":////", 1)
        ),
        POSTGRES: database_config(pg_url),
    }
    if settings.configured:
        raise RuntimeError("Django is configured already in this test process")
    # The browser tests' Playwright (sync API) keeps an asyncio loop running in this thread
    # for the whole session, which Django's async-safety check mistakes for async code; the
    # contract suites call the ORM synchronously, from plain test functions.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    settings.configure(
        DEBUG=False,
        SECRET_KEY="contract-tests",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "todo_shared.eventstore",
            "todo_shared.readmodels",
        ],
        DATABASES=config,
        USE_TZ=True,
        TIME_ZONE="UTC",
        LOGGING_CONFIG=None,
    )
    django.setup()
    call_command("migrate", "eventstore", database=SQLITE, verbosity=0)
    call_command("migrate", "readmodels", database=SQLITE, verbosity=0)
    yield config
    connections.close_all()
    drop_database(pg_name)
