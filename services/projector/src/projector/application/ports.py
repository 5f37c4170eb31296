"""What the projector's use cases need from outside, as Protocols.

The database adapters (:mod:`projector.adapters.repository`) and the in-memory ones
(:mod:`projector.adapters.memory`, for tests) implement them; the store is read through
:class:`projector.adapters.store.StoreReader` over any ``todo_shared`` recorder.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Protocol

from projector.domain.rows import Event
from projector.domain.state import Changes, ReadModels


class ReadModelTables(Protocol):
    """The read-model tables, their checkpoint row, and the locks a rebuild takes."""

    #: Errors that mean "the database is unreachable or lost a race": retry later.
    transient_errors: tuple[type[BaseException], ...]

    def transaction(self) -> AbstractContextManager[object]:
        """One transaction: everything inside commits together or not at all."""
        ...

    def try_share_projection(self) -> bool:
        """In a transaction: False while a rebuild holds the read models."""
        ...

    def ensure_checkpoint(self) -> int: ...
    def lock_checkpoint(self) -> int:
        """Lock the checkpoint until the transaction ends; return its position."""
        ...

    def save_checkpoint(self, position: int) -> None: ...
    def read_checkpoint(self) -> int: ...
    def load_for(self, events: list[Event], usernames: dict[str, str]) -> ReadModels:
        """The rows ``events`` may change, ready for the handlers."""
        ...

    def write_changes(self, changes: Changes) -> None: ...
    def clear_read_models(self) -> None: ...
    def try_become_only_rebuild(self) -> bool: ...
    def take_projection(self) -> None: ...
    def release_locks(self) -> None: ...
    def reset_connection(self) -> None:
        """Drop a broken connection so that the next use opens a fresh one."""
        ...


class UsernameLookup(Protocol):
    def for_events(self, events: Iterable[Event]) -> dict[str, str]:
        """``user id → username`` for every user ``events`` name (unknown ids left out)."""
        ...
