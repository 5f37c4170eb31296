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


class _UnorderedRecorder:
    """A fault: positions from a sequence and no lock, each commit a few ms after its insert.

    Positions stay gap-free (nothing rolls back) but may commit out of order, which is what
    the table lock (``event_store_append``) prevents.
    """

    def __init__(self, alias: str) -> None:
        from todo_shared.eventstore.recorder import PostgresRecorder

        self.alias = alias
        self.reads = PostgresRecorder(alias)

    def append(self, events, expected=None):
        import random
        import time

        from django.db import connections, transaction
        from django.utils import timezone
        from todo_shared.eventstore.models import StoredEvent

        with transaction.atomic(using=self.alias):
            rows = []
            for event in events:
                with connections[self.alias].cursor() as cursor:
                    cursor.execute("SELECT nextval('fault_positions')")
                    position = cursor.fetchone()[0]
                rows.append(
                    StoredEvent(
                        position=position,
                        event_id=event.event_id,
                        stream=event.stream,
                        version=event.version,
                        type=event.type,
                        occurred_at=event.occurred_at,
                        recorded_at=timezone.now(),
                        channels=list(event.channels),
                        data=dict(event.data),
                        metadata=dict(event.metadata),
                    )
                )
            StoredEvent.objects.using(self.alias).bulk_create(rows)
            time.sleep(random.random() * 0.005)
        return rows

    def __getattr__(self, name):
        return getattr(self.reads, name)


class _WithoutOrdering(DjangoRecorderContract):
    alias = POSTGRES
    writers = 8

    def create_recorder(self):
        from django.db import connections

        super().create_recorder()  # empties the tables
        with connections[self.alias].cursor() as cursor:
            cursor.execute("DROP SEQUENCE IF EXISTS fault_positions")
            cursor.execute("CREATE SEQUENCE fault_positions")
        return _UnorderedRecorder(self.alias)


def test_the_never_skip_check_catches_commits_out_of_order(django_databases):
    """The concurrency contract can fail: without the lock, a reader sees a later position
    before an earlier one (and would skip it)."""
    from django.db import connections

    suite = _WithoutOrdering()
    try:
        with pytest.raises(AssertionError) as failed:
            suite.test_readers_never_skip_a_position_under_concurrent_writers()
        frame = failed.tb
        while frame.tb_next is not None:
            frame = frame.tb_next
            # It is the reader's own check that fired: a batch after ``last`` that is not the
        # contiguous run from ``last + 1`` (the skipped position may be first or inside).
        reader_errors = frame.tb_frame.f_locals["reader_errors"]
        assert len(reader_errors) == 1 and isinstance(reader_errors[0], AssertionError)
        last, batch = reader_errors[0].args[0]
        assert batch and batch != list(range(last + 1, last + 1 + len(batch)))
    finally:
        with connections[POSTGRES].cursor() as cursor:
            cursor.execute("DROP SEQUENCE IF EXISTS fault_positions")
        connections.close_all()
