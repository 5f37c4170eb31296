"""Apply store events to the read models, exactly once, in position order.

Every transaction locks the checkpoint row, reads the store *after* the checkpoint, applies
those events and moves the checkpoint — so an event at or below the checkpoint is never
applied again, a gap is filled from the store, and the live projector, a catch-up and a
rebuild can run side by side without doubling or missing anything.

An event that keeps failing to apply (not a database outage: a bug or bad data) is retried
``max_failures`` times, then skipped — the checkpoint moves past it with no effect — and
handed back to the caller to be dead-lettered, so one event never blocks the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from projector import metrics
from projector.adapters.store import StoreReader
from projector.application.ports import ReadModelTables, UsernameLookup
from projector.domain.handlers import apply_event
from projector.domain.rows import Event

log = logging.getLogger(__name__)


class Paused(Exception):
    """A rebuild holds the read models; apply nothing until it is done."""


class ApplyFailed(Exception):
    """The event at ``position`` failed to apply; it will be retried."""

    def __init__(self, position: int, attempts: int, error: BaseException) -> None:
        super().__init__(f"event {position} failed to apply ({attempts} attempts): {error!r}")
        self.position = position
        self.attempts = attempts
        self.error = error


@dataclass
class Skipped:
    """An event given up on after too many failures."""

    position: int
    error: str


@dataclass
class Progress:
    """What one :meth:`Applier.advance` did."""

    applied: int = 0
    checkpoint: int = 0
    skipped: list[Skipped] = field(default_factory=list)


class Applier:
    """Applies store events past the checkpoint in transactions of up to ``chunk_size``."""

    def __init__(
        self,
        store: StoreReader,
        tables: ReadModelTables,
        usernames: UsernameLookup,
        chunk_size: int = 500,
        max_failures: int = 3,
        on_chunk: Callable[[int, int], None] | None = None,
        log_each: bool = False,
    ) -> None:
        self.store = store
        self.tables = tables
        # A rebuild, or the database being unreachable / losing a race: nobody's fault.
        self.retry_later: tuple[type[BaseException], ...] = (Paused, *tables.transient_errors)
        self.usernames = usernames
        self.chunk_size = chunk_size
        self.max_failures = max_failures
        self.on_chunk = on_chunk  # (events applied, checkpoint) after each commit
        self.failures: dict[int, int] = {}
        # Live projection logs one line per event (with its correlation id, to follow a
        # request through the pipeline); a rebuild of the whole store does not.
        self.log_each = log_each

    def apply_next(
        self, limit: int, through: int | None = None, ids: dict[int, str] | None = None
    ) -> tuple[int, int]:
        """One transaction: apply up to ``limit`` events after the checkpoint.

        Returns ``(events applied, checkpoint)``; fills ``ids`` (position → event id) with
        the events applied. Raises :class:`Paused` during a rebuild.
        """
        started = time.perf_counter()
        with self.tables.transaction():
            if not self.tables.try_share_projection():
                raise Paused()
            checkpoint = self.tables.lock_checkpoint()
            events = self.store.read_events(checkpoint, limit, through)
            if not events:
                return 0, checkpoint
            self._project(events)
            self.tables.save_checkpoint(events[-1].position)
        metrics.APPLY_SECONDS.observe(time.perf_counter() - started)
        metrics.BATCH_SIZE.observe(len(events))
        metrics.EVENTS_APPLIED.inc(len(events))
        metrics.CHECKPOINT.set(events[-1].position)
        if ids is not None:
            ids.update((event.position, event.event_id) for event in events)
        if self.log_each:
            for event in events:
                log.info(
                    "event projected",
                    extra={
                        "event_id": event.event_id,
                        "event_type": event.type,
                        "position": event.position,
                        "correlation_id": (event.metadata or {}).get("correlation_id"),
                    },
                )
        return len(events), events[-1].position

    def _project(self, events: list[Event]) -> None:
        models = self.tables.load_for(events, self.usernames.for_events(events))
        for event in events:
            apply_event(models, event)
        self.tables.write_changes(models.changes())

    def advance(
        self,
        through: int | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        between_chunks: Callable[[], None] = lambda: None,
        ids: dict[int, str] | None = None,
    ) -> Progress:
        """Apply events until the checkpoint reaches ``through`` (``None``: the store's head).

        ``ids``, if given, gets ``position → event id`` of every event applied.

        Raises :class:`Paused`, :class:`ApplyFailed` (retry later) and database outages.
        """
        progress = Progress()
        while not should_stop():
            skipped_before = len(progress.skipped)
            try:
                count, checkpoint = self.apply_next(self.chunk_size, through, ids)
            except self.retry_later:
                raise
            except Exception:
                count, checkpoint = self._apply_singly(progress)
            progress.applied += count
            progress.checkpoint = checkpoint
            if count and self.on_chunk:
                self.on_chunk(count, checkpoint)
            moved = count > 0 or len(progress.skipped) > skipped_before
            if not moved or (through is not None and checkpoint >= through):
                break
            between_chunks()
        return progress

    def _apply_singly(self, progress: Progress) -> tuple[int, int]:
        """After a chunk failed: one event per transaction, to find and isolate the bad one."""
        applied, checkpoint = 0, self.tables.read_checkpoint()
        for _ in range(self.chunk_size):
            try:
                count, checkpoint = self.apply_next(1)
            except self.retry_later:
                raise
            except Exception as exc:
                skipped = self._failed(self.tables.read_checkpoint() + 1, exc)
                progress.skipped.append(skipped)
                checkpoint = skipped.position
                continue
            if count == 0:
                break
            applied += count
        return applied, checkpoint

    def _failed(self, position: int, error: Exception) -> Skipped:
        attempts = self.failures.get(position, 0) + 1
        self.failures[position] = attempts
        log.error(
            "event failed to apply",
            extra={"position": position, "attempt": attempts, "error": repr(error)},
        )
        if attempts < self.max_failures:
            raise ApplyFailed(position, attempts, error) from error
        self._skip(position)
        del self.failures[position]
        metrics.EVENTS_SKIPPED.inc()
        log.error("event skipped after repeated failures", extra={"position": position})
        return Skipped(position, repr(error)[:500])

    def _skip(self, position: int) -> None:
        with self.tables.transaction():
            if self.tables.lock_checkpoint() == position - 1:
                self.tables.save_checkpoint(position)
