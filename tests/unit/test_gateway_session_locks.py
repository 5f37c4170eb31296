"""Per-connection locks that exist only while used (gateway.application.sessions.SessionLocks):
subscribes of one connection are serialised, other connections are not held up, and an idle
connection holds no lock (memory: a green lock is about 1 KB)."""

from __future__ import annotations

import threading
import time

import pytest
from gateway.application.sessions import SessionLocks


def users(locks: SessionLocks, sid: str) -> int:
    entry = locks._locks.get(sid)
    return entry[1][0] if entry else 0


def test_one_connection_at_a_time_and_the_lock_is_gone_afterwards() -> None:
    locks = SessionLocks()
    entered = threading.Event()

    def second() -> None:
        with locks.hold("a"):
            entered.set()

    with locks.hold("a"):
        waiter = threading.Thread(target=second)
        waiter.start()
        deadline = time.monotonic() + 10
        while users(locks, "a") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert users(locks, "a") == 2  # the second one waits for this one...
        assert not entered.is_set()  # ...and has not got in
        with locks.hold("b"):  # another connection is not held up
            assert len(locks) == 2
    waiter.join(10)
    assert entered.is_set()
    assert len(locks) == 0  # nothing kept for idle connections


def test_an_error_inside_releases_and_forgets_the_lock() -> None:
    locks = SessionLocks()
    with pytest.raises(RuntimeError), locks.hold("a"):
        raise RuntimeError("the fault")
    assert len(locks) == 0
    with locks.hold("a"):  # free again
        assert users(locks, "a") == 1
