"""Running a command: load aggregates from the store, decide, append — atomically, with retry.

A command is a function ``decide(loaded) -> Decision``. It runs inside one transaction;
if another writer moved a stream in between, it runs again on fresh state (up to
``MAX_ATTEMPTS``). A caller's ``If-Match`` is checked inside ``decide`` against what was
loaded, so a pinned version that moved on answers 409 ``version_conflict``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from todo_shared.channels import channels_for
from todo_shared.eventstore.models import StoredEvent
from todo_shared.eventstore.recorder import ConcurrencyError, EventRecorder, NewEvent

from todo_api.domain.events import DomainEvent, list_stream, todo_stream
from todo_api.domain.todo import Todo
from todo_api.domain.todo_list import TodoList
from todo_api.http.errors import ApiError
from todo_api.identity.models import ListAccess

MAX_ATTEMPTS = 20
recorder = EventRecorder()


@dataclass
class Loaded:
    """Aggregates loaded for one attempt, with the rows they were rebuilt from."""

    lists: dict[str, TodoList] = field(default_factory=dict)
    todos: dict[str, Todo] = field(default_factory=dict)
    rows: dict[str, list[StoredEvent]] = field(default_factory=dict)

    def todo_list(self, list_id: str) -> TodoList:
        if list_id not in self.lists:
            rows = self.rows.setdefault(
                list_stream(list_id), recorder.read_stream(list_stream(list_id))
            )
            self.lists[list_id] = TodoList.replay(list_id, ((r.type, r.data) for r in rows))
        return self.lists[list_id]

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

    def todo(self, todo_id: str) -> Todo:
        if todo_id not in self.todos:
            rows = self.rows.setdefault(
                todo_stream(todo_id), recorder.read_stream(todo_stream(todo_id))
            )
            self.todos[todo_id] = Todo.replay(todo_id, ((r.type, r.data) for r in rows))
        return self.todos[todo_id]


@dataclass
class Decision:
    """What a command decided: new events, and versions that must still hold at append."""

    events: list[DomainEvent]
    checks: dict[str, int] = field(default_factory=dict)


@dataclass
class Outcome:
    """What was appended, and the aggregates as they are after the command."""

    loaded: Loaded
    stored: list[StoredEvent]

    @property
    def last_position(self) -> int | None:
        return self.stored[-1].position if self.stored else None


@dataclass(frozen=True)
class Actor:
    user_id: str
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def require_version(current: int, if_match: int | None) -> None:
    """The ``If-Match`` check against what was loaded."""
    if if_match is not None and if_match != current:
        raise ApiError(
            "version_conflict",
            f"the resource is at version {current}, not {if_match}",
            {"version": current},
        )


def run(actor: Actor, decide: Callable[[Loaded], Decision]) -> Outcome:
    """Run ``decide`` and append its events in one transaction, retrying on a lost race.

    A retry re-reads the streams, so an ``If-Match`` the command checks with
    :func:`require_version` turns into 409 exactly when *its* resource moved on.
    """
    command_id = str(uuid.uuid4())
    for attempt in range(MAX_ATTEMPTS):
        loaded = Loaded()
        try:
            with transaction.atomic():
                decision = decide(loaded)
                stored = _append(actor, command_id, decision)
            return Outcome(loaded, stored)
        except ConcurrencyError as exc:
            if attempt == MAX_ATTEMPTS - 1:
                raise ApiError(
                    "version_conflict",
                    f"{exc.stream} kept changing; retry (now version {exc.actual})",
                    {"version": exc.actual},
                ) from None
    raise AssertionError("unreachable")


def _append(actor: Actor, command_id: str, decision: Decision) -> list[StoredEvent]:
    now = timezone.now()
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
    stored = recorder.append(new, decision.checks)
    for event in decision.events:
        _update_access(event)
    return stored


def _update_access(event: DomainEvent) -> None:
    """Keep the write side's membership index in the command's transaction."""
    data = event.data
    if event.type == "ListCreated":
        ListAccess.objects.create(list_id=data["list_id"], user_id=data["owner_id"])
    elif event.type == "MemberAdded":
        ListAccess.objects.create(list_id=data["list_id"], user_id=data["user_id"])
    elif event.type == "MemberRemoved":
        ListAccess.objects.filter(list_id=data["list_id"], user_id=data["user_id"]).delete()
    elif event.type == "ListDeleted":
        ListAccess.objects.filter(list_id=data["list_id"]).delete()
