"""Domain events: what happened, in the past tense. ``data`` is the contract's payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
