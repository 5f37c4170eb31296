"""Regression (found by tests/faults, pg_terminate_backend during writes): a PATCH whose
rename was stored answered 503, because the read of the list's counts after the commit hit
the terminated connection. Such reads now run once more on a fresh connection."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from todo_api.application.after_commit import read_after_commit


def test_a_read_after_the_commit_survives_one_broken_connection() -> None:
    calls, reconnects = [], []

    def read() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return 7

    assert read_after_commit(read, reconnect=lambda: reconnects.append(1)) == 7
    assert (len(calls), len(reconnects)) == (2, 1)


def test_a_database_that_stays_down_still_raises() -> None:
    def read() -> int:
        raise OperationalError("down")

    with pytest.raises(OperationalError):
        read_after_commit(read, reconnect=lambda: None)
