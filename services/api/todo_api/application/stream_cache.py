"""The list streams a process read lately, so a command need not read its list again.

A todo command reads its list's stream only to check the actor may write there; in a busy
list that stream rarely changes while its todos do. :class:`StreamCache` keeps the rows of
list streams as *read from the store* (committed rows, never rows a command has just
appended: its transaction may still roll back). A decision taken on cached rows is never
trusted blindly (:class:`~todo_api.application.unit_of_work.UnitOfWork`):

- the append checks every cached stream at the version its rows end with (the store's rows
  are never rewritten, so the same version means the same history); a stream that moved on
  is a lost race: it is dropped from the cache and the command runs again on fresh rows;
- a refusal (404, 409, …) decided on cached rows is not answered: the command runs again on
  fresh rows, so a change made through another process (a member added) is always seen;
- a stream this process appends to is dropped, so its next command reads it fresh.

Bounded: past ``size`` streams the oldest entry goes. Shared by a process's threads (each
operation is one dict operation under the GIL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from todo_api.application.ports import EventRecord


class StreamCache:
    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._rows: dict[str, tuple[EventRecord, ...]] = {}

    def get(self, stream: str) -> tuple[EventRecord, ...] | None:
        return self._rows.get(stream)

    def put(self, stream: str, rows: Sequence[EventRecord]) -> None:
        """Remember rows just read from the store (unless a longer history is known)."""
        known = self._rows.get(stream)
        if known is not None and len(known) > len(rows):
            return
        while len(self._rows) >= self.size:
            try:
                del self._rows[next(iter(self._rows))]
            except (StopIteration, KeyError, RuntimeError):  # another thread got there first
                break
        self._rows[stream] = tuple(rows)

    def drop(self, streams: Iterable[str]) -> None:
        for stream in streams:
            self._rows.pop(stream, None)
