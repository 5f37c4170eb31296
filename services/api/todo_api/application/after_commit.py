"""Reads made while answering a command that has already committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

T = TypeVar("T")


def read_after_commit(read: Callable[[], T], reconnect: Callable[[], None] | None = None) -> T:
    """Run ``read`` once more on a fresh connection if the database connection broke.

    The command has already committed when its answer is built: a connection lost now (a
    terminated backend, a restart) must not turn a stored command into a 503, or a client
    would see an error for a change that happened (found by tests/faults).
    """
    try:
        return read()
    except (OperationalError, InterfaceError):
        (reconnect or connection.close)()  # Django opens a new connection on the next query
        return read()
