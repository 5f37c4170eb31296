"""Running a command: load aggregates from the store, decide, append — atomically, with retry.

A command handler gives :meth:`UnitOfWork.run` a function ``decide(loaded) -> Decision``. Its
reads need no transaction: the append checks every stream it read at the version it read
(optimistic concurrency), and is one atomic statement — or, when the access index changes
too, one transaction with the index rows first and the append last, so the store's lock is
taken last and held only until the commit. If another writer moved a stream in between, it
runs again on fresh state (up to ``MAX_ATTEMPTS``). A caller's ``If-Match`` is checked inside ``decide``
against what was loaded, so a pinned version that moved on answers ``version_conflict``.
The :class:`Outcome` holds every touched stream as it is *after* the command, so callers
read the aggregates from it and never re-apply events themselves. List streams may come from
the process's :class:`~todo_api.application.stream_cache.StreamCache` (checked at append like
any read; a refusal decided on them is decided again on fresh rows).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from todo_shared.channels import channels_for
from todo_shared.event_registry import event_type

from todo_api.application.commands import Actor
from todo_api.application.errors import ApplicationError
from todo_api.application.ports import (
    AccessIndex,
    Atomic,
    Clock,
    ConcurrencyError,
    EventRecord,
    NewEvent,
    Recorder,
)
from todo_api.application.stream_cache import StreamCache
from todo_api.domain.errors import DomainError
from todo_api.domain.events import DomainEvent, list_stream, todo_stream
from todo_api.domain.todo import Todo
from todo_api.domain.todo_list import TodoList

MAX_ATTEMPTS = 20


def _history(rows: Sequence[EventRecord]) -> list[tuple[str, Any]]:
    return [(r.type, r.data) for r in rows]


@dataclass
class Loaded:
    """Aggregates loaded for one attempt, with the rows they were rebuilt from."""

    recorder: Recorder
    cache: StreamCache | None = None  # list streams only; None: read everything fresh
    lists: dict[str, TodoList] = field(default_factory=dict)
    todos: dict[str, Todo] = field(default_factory=dict)
    rows: dict[str, list[EventRecord]] = field(default_factory=dict)
    #: Streams taken from the cache, with the version their rows end at.
    cached: dict[str, int] = field(default_factory=dict)

    def _read(self, stream: str, cache: StreamCache | None = None) -> list[EventRecord]:
        if stream not in self.rows:
            known = cache.get(stream) if cache is not None else None
            if known:
                self.rows[stream] = list(known)
                self.cached[stream] = known[-1].version
            else:
                self.rows[stream] = list(self.recorder.read_stream(stream))
                if cache is not None and self.rows[stream]:
                    cache.put(stream, self.rows[stream])
        return self.rows[stream]

    def todo_list(self, list_id: str) -> TodoList:
        if list_id not in self.lists:
            rows = self._read(list_stream(list_id), self.cache)
            self.lists[list_id] = TodoList.replay(list_id, _history(rows))
        return self.lists[list_id]

    def todo(self, todo_id: str) -> Todo:
        if todo_id not in self.todos:
            rows = self._read(todo_stream(todo_id))
            self.todos[todo_id] = Todo.replay(todo_id, _history(rows))
        return self.todos[todo_id]

    def new_todo_list(self, list_id: str) -> TodoList:
        """A list with a freshly generated id: its stream is empty, no need to read it.
        (The append still checks it is at version 0.)"""
        self.rows[list_stream(list_id)] = []
        self.lists[list_id] = TodoList(list_id)
        return self.lists[list_id]

    def new_todo(self, todo_id: str) -> Todo:
        """A todo with a freshly generated id (see :meth:`new_todo_list`)."""
        self.rows[todo_stream(todo_id)] = []
        self.todos[todo_id] = Todo(todo_id)
        return self.todos[todo_id]


@dataclass
class Decision:
    """What a command decided: new events, and versions that must still hold at append."""

    events: list[DomainEvent]
    checks: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """Every stream the command read, as it is after the command, and what was appended."""

    streams: dict[str, list[EventRecord]]
    appended: list[EventRecord]

    def last_position(self, stream: str) -> int:
        rows = self.streams.get(stream, [])
        return rows[-1].position if rows else 0

    def write_position(self, stream: str) -> int:
        """``X-Write-Position``: the last appended event, or ``stream``'s own if none was."""
        return self.appended[-1].position if self.appended else self.last_position(stream)

    def todo_list(self, list_id: str) -> TodoList:
        rows = self.streams.get(list_stream(list_id), [])
        return TodoList.replay(list_id, _history(rows))

    def todo(self, todo_id: str) -> Todo:
        rows = self.streams.get(todo_stream(todo_id), [])
        return Todo.replay(todo_id, _history(rows))


def require_version(current: int, if_match: int | None) -> None:
    """The ``If-Match`` check against what was loaded."""
    if if_match is not None and if_match != current:
        raise ApplicationError(
            "version_conflict",
            f"the resource is at version {current}, not {if_match}",
            {"version": current},
        )


@dataclass(frozen=True)
class UnitOfWork:
    """The store, the access index and a transaction: what every command handler runs on."""

    recorder: Recorder
    access: AccessIndex
    atomic: Atomic
    clock: Clock
    cache: StreamCache = field(default_factory=StreamCache)

    def run(self, actor: Actor, decide: Callable[[Loaded], Decision]) -> Outcome:
        """Run ``decide`` and append its events atomically, retrying on a lost race.

        Domain refusals leave as :class:`ApplicationError` with the domain's own code.
        """
        command_id = str(uuid.uuid4())
        cache: StreamCache | None = self.cache
        for attempt in range(MAX_ATTEMPTS):
            loaded = Loaded(self.recorder, cache)
            try:
                # Reads happen outside any transaction: every stream ``decide`` read is
                # checked again at append (its version), so a stale read is a lost race.
                decision = decide(loaded)
                appended = self._append(actor, command_id, decision, loaded.cached)
            except ConcurrencyError as exc:
                self.cache.drop(loaded.cached)
                if attempt == MAX_ATTEMPTS - 1:
                    raise ApplicationError(
                        "version_conflict",
                        f"{exc.stream} kept changing; retry (now version {exc.actual})",
                        {"version": exc.actual},
                    ) from None
                continue
            except (DomainError, ApplicationError) as exc:
                if loaded.cached:  # never refuse on cached rows: decide again on fresh ones
                    self.cache.drop(loaded.cached)
                    cache = None
                    continue
                if isinstance(exc, DomainError):
                    raise ApplicationError.from_domain(exc) from None
                raise
            self.cache.drop({row.stream for row in appended})
            streams = {stream: list(rows) for stream, rows in loaded.rows.items()}
            for row in appended:
                streams.setdefault(row.stream, []).append(row)
            return Outcome(streams, appended)
        raise AssertionError("unreachable")

    def _append(
        self, actor: Actor, command_id: str, decision: Decision, cached: dict[str, int]
    ) -> list[EventRecord]:
        now = self.clock()
        checks = {**cached, **decision.checks}  # every cached stream is checked too
        metadata: dict[str, Any] = {
            "actor": actor.user_id,
            "source": "api",
            "correlation_id": actor.correlation_id,
            "causation_id": command_id,
        }
        new = [
            NewEvent(
                type=e.type,
                stream=e.stream,
                version=e.version,
                data=e.data,
                channels=channels_for(e.type, e.data),
                metadata=metadata,
                occurred_at=now,
            )
            for e in decision.events
        ]
        if not any(_changes_access(e) for e in decision.events):
            # One statement, its own transaction: the store's lock is held only inside it.
            return list(self.recorder.append(new, checks))
        with self.atomic():  # the access index changes commit with the events
            for event in decision.events:
                self.access.record(event)
            return list(self.recorder.append(new, checks))  # last: the lock until commit


def _changes_access(event: DomainEvent) -> bool:
    known = event_type(event.type)
    return known is not None and bool(known.granted(event.data) or known.revoked(event.data))
