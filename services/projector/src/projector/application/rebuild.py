"""Drop the read models and replay them from the store, while everything keeps running.

How it hands over to live consumption without missing or doubling an event:

1. Take the ``REBUILD_MUTEX`` advisory lock (a second rebuild refuses to start), then the
   ``PROJECTION_LOCK`` exclusively: this waits for the live projector's transaction in
   flight, and from then on its transactions see the lock taken and pause.
2. In one transaction, with the checkpoint row locked: empty the read-model tables and set
   the checkpoint to 0.
3. Replay the store in batches; each batch commits its effects together with the checkpoint
   (the same :class:`~projector.application.applier.Applier` the live projector uses).
4. When a read of the store comes back empty the rebuild is at the head: release the locks.
   Events stored meanwhile are applied by the live projector, which resumes from the
   checkpoint the rebuild left — from its queued messages, gap filling and idle polling.

Between 2 and 4 readers see the read models as of the rebuild's checkpoint (a consistent
prefix of history; ``X-Read-Position`` says which). A rebuild that dies half-way leaves such
a prefix too: its locks go with its connection and the live projector simply continues.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from projector.adapters.store import StoreReader
from projector.application.applier import Applier, ApplyFailed, Skipped
from projector.application.ports import ReadModelTables, UsernameLookup

log = logging.getLogger(__name__)


class RebuildRunning(Exception):
    """Another rebuild holds the rebuild lock."""


@dataclass
class RebuildResult:
    applied: int = 0
    checkpoint: int = 0
    completed: bool = False
    skipped: list[Skipped] = field(default_factory=list)


def clear(tables: ReadModelTables) -> None:
    """Empty the read models and reset the checkpoint, in one transaction."""
    with tables.transaction():
        tables.lock_checkpoint()
        tables.clear_read_models()
        tables.save_checkpoint(0)


def rebuild(
    store: StoreReader,
    tables: ReadModelTables,
    usernames: UsernameLookup,
    batch_size: int,
    on_progress: Callable[[int, int], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> RebuildResult:
    """Rebuild every read model; ``on_progress(done, total)`` after each batch.

    Raises :class:`RebuildRunning` when another rebuild is under way.
    """
    if not tables.try_become_only_rebuild():
        raise RebuildRunning("another rebuild is running")
    try:
        tables.take_projection()
        clear(tables)
        result = RebuildResult()
        total = store.head_position()
        on_progress(0, total)

        def chunk_done(count: int, checkpoint: int) -> None:
            nonlocal total
            result.applied += count
            total = max(total, checkpoint)
            if checkpoint >= total:
                total = store.head_position()  # writes went on meanwhile
            on_progress(checkpoint, total)

        applier = Applier(
            store, tables, usernames, chunk_size=batch_size, max_failures=3, on_chunk=chunk_done
        )
        while not should_stop():
            try:
                progress = applier.advance(None, should_stop)
            except ApplyFailed:
                continue  # retried at once; after max_failures the event is skipped
            result.skipped.extend(progress.skipped)
            result.checkpoint = progress.checkpoint
            if progress.applied == 0 and not progress.skipped:
                result.completed = not should_stop()
                break
        on_progress(result.checkpoint, max(total, result.checkpoint))
        return result
    finally:
        tables.release_locks()
