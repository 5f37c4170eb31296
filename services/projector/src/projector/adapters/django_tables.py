"""The read-model tables on the Django database (:class:`ReadModelTables` implemented)."""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as db_connection

from projector.adapters import locks, repository
from projector.domain.rows import Event
from projector.domain.state import Changes, ReadModels


class DjangoReadModelTables:
    """Transactions, the checkpoint row and advisory locks on Django's default database."""

    transient_errors: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

    def transaction(self) -> AbstractContextManager[object]:
        return transaction.atomic()

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
