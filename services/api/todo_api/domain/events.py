"""Domain events: what happened, in the past tense. ``data`` is the contract's payload.

The event names come from the one registry, ``todo_shared.event_registry``; the aggregates
use these constants, and check at import time that they apply exactly their registry types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from todo_shared import event_registry as registry

LIST_CREATED = registry.LIST_CREATED.name
LIST_RENAMED = registry.LIST_RENAMED.name
LIST_DELETED = registry.LIST_DELETED.name
MEMBER_ADDED = registry.MEMBER_ADDED.name
MEMBER_REMOVED = registry.MEMBER_REMOVED.name
TODO_CREATED = registry.TODO_CREATED.name
TODO_RENAMED = registry.TODO_RENAMED.name
TODO_COMPLETED = registry.TODO_COMPLETED.name
TODO_REOPENED = registry.TODO_REOPENED.name
TODO_DELETED = registry.TODO_DELETED.name


def check_applies_exactly(applied: Iterable[str], aggregate: str) -> None:
    """Raise ``LookupError`` unless ``applied`` is exactly the registry's ``aggregate`` types."""
    expected = registry.events_of(aggregate)
    if set(applied) != expected:
        raise LookupError(
            f"the {aggregate} aggregate must apply exactly {sorted(expected)}, "
            f"not {sorted(applied)}"
        )


@dataclass(frozen=True)
class DomainEvent:
    """An event decided by an aggregate, before it has a position."""

    type: str
    stream: str
    version: int
    data: dict[str, Any]


def list_stream(list_id: str) -> str:
    return f"list-{list_id}"


def todo_stream(todo_id: str) -> str:
    return f"todo-{todo_id}"


class Applies(Protocol):
    def apply(self, event_type: str, data: Mapping[str, Any]) -> None: ...


A = TypeVar("A", bound=Applies)


def apply_history(aggregate: A, history: Iterable[tuple[str, Mapping[str, Any]]]) -> A:
    """Apply ``(type, data)`` pairs in stream order to ``aggregate``; returns it."""
    for event_type, data in history:
        aggregate.apply(event_type, data)
    return aggregate
