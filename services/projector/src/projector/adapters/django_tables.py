"""The read-model tables on the Django database (:class:`ReadModelTables` implemented)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from django.db import InterfaceError, OperationalError, reset_queries, transaction
from django.db import connection as db_connection

from projector.adapters import locks, repository
from projector.domain.rows import Event
from projector.domain.state import Changes, ReadModels


@contextmanager
def _atomic_forgetting_queries() -> Iterator[object]:
    """``transaction.atomic()``, then forget the queries Django logged meanwhile.

    With ``DEBUG`` on, Django keeps the text of the last 9,000 queries of a connection
    (``connection.queries``); a request resets it, a long-running process never does, and a
    batch's writes carry its rows inline (up to megabytes a statement).
    """
    try:
        with transaction.atomic() as inner:
            yield inner
    finally:
        reset_queries()


class DjangoReadModelTables:
    """Transactions, the checkpoint row and advisory locks on Django's default database."""

    transient_errors: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

    def transaction(self) -> AbstractContextManager[object]:
        return _atomic_forgetting_queries()

    def try_share_projection(self) -> bool:
        return locks.try_share_projection()

    def ensure_checkpoint(self) -> int:
        return repository.ensure_checkpoint()

    def lock_checkpoint(self) -> int:
        return repository.lock_checkpoint()

    def save_checkpoint(self, position: int) -> None:
        repository.save_checkpoint(position)

    def read_checkpoint(self) -> int:
        return repository.read_checkpoint()

    def load_for(self, events: list[Event], usernames: dict[str, str]) -> ReadModels:
        return repository.load_for(events, usernames)

    def write_changes(self, changes: Changes) -> None:
        repository.write_changes(changes)

    def clear_read_models(self) -> None:
        repository.clear_read_models()

    def try_become_only_rebuild(self) -> bool:
        return locks.try_become_only_rebuild()

    def take_projection(self) -> None:
        locks.take_projection()

    def release_locks(self) -> None:
        locks.release_all()

    def reset_connection(self) -> None:
        db_connection.close()
