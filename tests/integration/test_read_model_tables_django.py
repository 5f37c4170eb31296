"""The Django read-model tables pass the read-model tables contract (SQLite, in-process)."""

from __future__ import annotations

import pytest

from tests.contracts.read_model_tables import ReadModelTablesContract


class TestDjangoReadModelTables(ReadModelTablesContract):
    @pytest.fixture(autouse=True)
    def _django(self, django_databases):
        from django.db import connections

        yield
        connections.close_all()

    def create_tables(self):
        from django.db import connection
        from projector.adapters.django_tables import DjangoReadModelTables

        assert connection.vendor == "sqlite"  # the default database of the contract fixture
        tables = DjangoReadModelTables()
        tables.ensure_checkpoint()
        with tables.transaction():
            tables.clear_read_models()
            tables.save_checkpoint(0)
        return tables
