"""The in-memory recorder passes the recorder contract."""

from todo_shared.eventstore.memory import InMemoryRecorder

from tests.contracts.recorder import RecorderContract


class TestInMemoryRecorder(RecorderContract):
    def create_recorder(self) -> InMemoryRecorder:
        return InMemoryRecorder()
