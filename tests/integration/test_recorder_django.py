"""The Django recorders (SQLite, PostgreSQL) pass the recorder contract."""

from __future__ import annotations

import pytest

from tests.contracts.django_db import POSTGRES, SQLITE
from tests.contracts.recorder import RecorderContract


class DjangoRecorderContract(RecorderContract):
    alias = SQLITE

    @pytest.fixture(autouse=True)
    def _django(self, django_databases):
        from django.db import connections

        yield
        connections.close_all()

    def create_recorder(self):
        from django.db import connections
        from todo_shared.eventstore.models import StoredEvent, StoredEventChannel
        from todo_shared.eventstore.recorder import PostgresRecorder, SQLiteRecorder

        StoredEventChannel.objects.using(self.alias).all().delete()
        StoredEvent.objects.using(self.alias).all().delete()
        backend = PostgresRecorder if self.alias == POSTGRES else SQLiteRecorder
        assert connections[self.alias].vendor == (
            "postgresql" if self.alias == POSTGRES else "sqlite"
        )
        return backend(self.alias)

    def thread_done(self) -> None:
        from django.db import connections

        connections.close_all()


class TestSQLiteRecorder(DjangoRecorderContract):
    alias = SQLITE


class TestPostgresRecorder(DjangoRecorderContract):
    alias = POSTGRES
    writers = 8


def test_event_recorder_keeps_its_established_names(django_databases):
    from todo_shared.eventstore.recorder import EventRecorder, recorder_for

    assert type(recorder_for(POSTGRES)).__name__ == "PostgresRecorder"
    assert type(recorder_for(SQLITE)).__name__ == "SQLiteRecorder"
    recorder = EventRecorder(POSTGRES)
    assert recorder.last_position() == recorder.head()
