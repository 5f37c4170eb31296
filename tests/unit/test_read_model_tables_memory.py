"""The in-memory read-model tables pass the read-model tables contract."""

from projector.adapters.memory import InMemoryReadModelTables

from tests.contracts.read_model_tables import ReadModelTablesContract


class TestInMemoryReadModelTables(ReadModelTablesContract):
    def create_tables(self) -> InMemoryReadModelTables:
        return InMemoryReadModelTables()
