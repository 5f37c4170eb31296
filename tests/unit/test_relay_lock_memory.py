"""The in-memory relay lock passes the relay lock contract."""

from todo_api.relay.lock import InMemoryLockTable, InMemoryRelayLock

from tests.contracts.relay_lock import RelayLockContract


class TestInMemoryRelayLock(RelayLockContract):
    def setup_method(self) -> None:
        self.table = InMemoryLockTable()

    def create_lock(self) -> InMemoryRelayLock:
        return self.table.lock()

    def commit(self) -> None:
        self.table.committed()
