"""Helpers for integration tests against the real database and broker."""

from __future__ import annotations

import psycopg
import pytest

from tests.contracts.django_db import django_databases  # noqa: F401 - in-process Django, once
from tests.support.broker import Tap
from tests.support.waiting import WAIT, wait_for  # noqa: F401


def store_count(stack) -> int:
    with psycopg.connect(stack.database_url) as conn:
        return conn.execute("SELECT count(*) FROM event_store").fetchone()[0]


@pytest.fixture
def write_stack(stack):
    """A stack with the API and the relay running, and a tap on its exchange."""
    tap = Tap(stack.exchange, durable=True)
    stack.start("api")
    stack.start("relay")
    stack.tap = tap
    yield stack
    tap.close()
