"""The relay lock contract (``todo_api.relay.lock.RelayLock``): at most one relay publishes."""

from __future__ import annotations

import subprocess
import sys
import threading

from todo_api.relay.lock import RelayLock

from tests.support.stack import REPO


class RelayLockContract:
    """Subclass with ``create_lock()`` (instances of one lock) and ``commit()``."""

    def create_lock(self) -> RelayLock:
        raise NotImplementedError

    def commit(self) -> None:
        """Commit an append to the store the locks watch."""
        raise NotImplementedError

    def test_one_holder_at_a_time(self) -> None:
        first, second = self.create_lock(), self.create_lock()
        try:
            assert first.try_acquire() is True
            assert second.try_acquire() is False
            first.release()
            assert second.try_acquire() is True
            assert first.try_acquire() is False
        finally:
            first.release()
            second.release()

    def test_release_without_holding_changes_nothing(self) -> None:
        holder, other = self.create_lock(), self.create_lock()
        try:
            assert holder.try_acquire() is True
            other.release()
            other.release()
            assert self.create_lock().try_acquire() is False
        finally:
            holder.release()

    def test_the_holder_wakes_on_a_commit(self) -> None:
        lock = self.create_lock()
        woke = threading.Event()
        try:
            assert lock.try_acquire() is True

            def wait() -> None:
                lock.wait_for_commit(timeout=300.0)
                woke.set()

            waiter = threading.Thread(target=wait, daemon=True)
            waiter.start()
            while not woke.is_set():  # a commit can precede the wait: commit until it wakes
                self.commit()
                woke.wait(0.5)
            waiter.join(30)
            assert woke.is_set() and not waiter.is_alive()
        finally:
            lock.release()

    def test_without_a_commit_the_wait_ends_at_its_timeout(self) -> None:
        lock = self.create_lock()
        try:
            assert lock.try_acquire() is True
            lock.wait_for_commit(timeout=0.2)  # returns (does not raise, does not hang)
        finally:
            lock.release()


class CrossProcessLockContract(RelayLockContract):
    """Locks shared between processes: a holder that dies leaves the lock free."""

    def holder_code(self) -> str:
        """Python source that builds this lock as ``lock`` (run in another process)."""
        raise NotImplementedError

    def test_a_killed_holders_lock_is_free(self) -> None:
        code = (
            f"{self.holder_code()}\n"
            "assert lock.try_acquire()\n"
            "print('held', flush=True)\n"
            "import time; time.sleep(600)\n"
        )
        holder = subprocess.Popen(
            [sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        lock = self.create_lock()
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            assert lock.try_acquire() is False  # the other process holds it
            holder.kill()
            assert holder.wait(30) == -9  # the fault happened: the holder is gone
            acquired = False
            for _ in range(600):  # PostgreSQL notices the closed connection at once, or nearly
                acquired = lock.try_acquire()
                if acquired:
                    break
                threading.Event().wait(0.05)
            assert acquired is True
        finally:
            lock.release()
            if holder.poll() is None:
                holder.kill()
                holder.wait(30)
