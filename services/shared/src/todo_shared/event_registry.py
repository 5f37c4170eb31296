"""The one registry of store event types (CONTRACT.md §3): each type is defined here once.

Everything else is derived from :data:`STORE_EVENTS`: the aggregates' event names, the
channels an event goes to (:func:`todo_shared.channels.channels_for`), the envelope's store
types and data schemas, the projector's check that it handles exactly these types, which
events change a list's membership, and the gateway's revocation rule.

A type's *users* field names the user ids the event is about (``owner_id``, ``user_id`` or
the ``member_ids`` list): each gets a ``user:<id>`` channel, and ``access`` says whether the
event grants them the list or revokes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Access(Enum):
    """What an event does to the access of the users it names."""

    UNCHANGED = "unchanged"
    GRANTS = "grants"
    REVOKES = "revokes"


@dataclass(frozen=True)
class StoreEventType:
    """One store event type: its name, aggregate, data schema, channels and access rule."""

    name: str
    aggregate: str  # "list" or "todo": the stream kind that records it
    users: str | None = None  # the data field naming the users it is about (str or list)
    access: Access = Access.UNCHANGED

    @property
    def data_schema(self) -> str:
        """The data schema's file, relative to :func:`todo_shared.schema_files.schema_dir`."""
        return f"data/{self.name}.schema.json"

    @property
    def changes_membership(self) -> bool:
        return self.access is not Access.UNCHANGED

    def user_ids(self, data: Mapping[str, Any]) -> list[str]:
        """The user ids ``data`` names in this type's users field (none without one)."""
        if self.users is None:
            return []
        value = data.get(self.users)
        if isinstance(value, list):
            return [str(user_id) for user_id in value]
        return [] if value is None else [str(value)]

    def channels(self, data: Mapping[str, Any]) -> list[str]:
        """``list:<list_id>``, then ``user:<id>`` for each user the event names."""
        return [f"list:{data['list_id']}", *(f"user:{uid}" for uid in self.user_ids(data))]

    def revoked(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The ``(user_id, list_id)`` pairs that lose the list; none unless it revokes."""
        if self.access is not Access.REVOKES:
            return []
        return [(uid, str(data["list_id"])) for uid in self.user_ids(data)]

    def granted(self, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The ``(user_id, list_id)`` pairs that gain the list; none unless it grants."""
        if self.access is not Access.GRANTS:
            return []
        return [(uid, str(data["list_id"])) for uid in self.user_ids(data)]


LIST_CREATED = StoreEventType("ListCreated", "list", users="owner_id", access=Access.GRANTS)
LIST_RENAMED = StoreEventType("ListRenamed", "list")
LIST_DELETED = StoreEventType("ListDeleted", "list", users="member_ids", access=Access.REVOKES)
MEMBER_ADDED = StoreEventType("MemberAdded", "list", users="user_id", access=Access.GRANTS)
MEMBER_REMOVED = StoreEventType("MemberRemoved", "list", users="user_id", access=Access.REVOKES)
TODO_CREATED = StoreEventType("TodoCreated", "todo")
TODO_RENAMED = StoreEventType("TodoRenamed", "todo")
TODO_COMPLETED = StoreEventType("TodoCompleted", "todo")
TODO_REOPENED = StoreEventType("TodoReopened", "todo")
TODO_DELETED = StoreEventType("TodoDeleted", "todo")

#: Every store event type by name, in the contract's order.
STORE_EVENTS: Mapping[str, StoreEventType] = {
    t.name: t
    for t in (
        LIST_CREATED,
        LIST_RENAMED,
        LIST_DELETED,
        MEMBER_ADDED,
        MEMBER_REMOVED,
        TODO_CREATED,
        TODO_RENAMED,
        TODO_COMPLETED,
        TODO_REOPENED,
        TODO_DELETED,
    )
}
STORE_EVENT_TYPES: tuple[str, ...] = tuple(STORE_EVENTS)
#: Types that change who belongs to a list (the projector loads members for these).
MEMBERSHIP_EVENT_TYPES: frozenset[str] = frozenset(
    name for name, t in STORE_EVENTS.items() if t.changes_membership
)


def events_of(aggregate: str) -> frozenset[str]:
    """The names of the types recorded on ``aggregate``'s streams (``list`` or ``todo``)."""
    return frozenset(name for name, t in STORE_EVENTS.items() if t.aggregate == aggregate)


def event_type(name: str) -> StoreEventType | None:
    """The registry entry of ``name``; ``None`` for a type the store does not record."""
    return STORE_EVENTS.get(name)


def check_handles_exactly(handled: Iterable[str], who: str) -> None:
    """Raise ``LookupError`` unless ``handled`` (names) is exactly the registry's types.

    Consumers call this at import time on their handler tables, so a type added to the
    registry without a handler (or a handler for a type that does not exist) fails at once.
    """
    names = set(handled)
    missing = set(STORE_EVENT_TYPES) - names
    unknown = names - set(STORE_EVENT_TYPES)
    if missing or unknown:
        raise LookupError(
            f"{who} must handle exactly the store event types: "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
