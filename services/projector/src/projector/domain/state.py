"""The read models held in memory while a batch of events is applied.

:class:`ReadModels` is both the whole state of a full in-memory replay (tests, comparisons)
and the slice of the database one transaction works on: the repository loads the rows the
batch touches, the handlers change them here, and :meth:`ReadModels.changes` says what to
write back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from projector.domain.rows import ActivityRow, ListRow, MemberKey, MemberRow, TodoRow


@dataclass
class Changes:
    """What a batch did, relative to the rows it started from."""

    #: Lists a ``ListDeleted`` removed: their members, todos and activity rows go too.
    purged_lists: set[str]
    lists_upserted: list[ListRow]
    lists_deleted: list[str]  # list rows to delete (the purged lists among them)
    members_upserted: list[MemberRow]
    members_deleted: list[MemberKey]
    todos_upserted: list[TodoRow]
    todos_deleted: list[str]
    activity: list[ActivityRow]


K = TypeVar("K")
V = TypeVar("V")


def _diff(before: Mapping[K, V], after: Mapping[K, V]) -> tuple[list[V], list[K]]:
    upserted = [row for key, row in after.items() if before.get(key) != row]
    deleted = [key for key in before if key not in after]
    return upserted, deleted


@dataclass
class ReadModels:
    """Lists, members, todos and new activity rows, keyed like their tables."""

    lists: dict[str, ListRow] = field(default_factory=dict)
    members: dict[MemberKey, MemberRow] = field(default_factory=dict)
    todos: dict[str, TodoRow] = field(default_factory=dict)
    activity: dict[int, ActivityRow] = field(default_factory=dict)
    usernames: Mapping[str, str] = field(default_factory=dict)
    purged_lists: set[str] = field(default_factory=set)
    _loaded: tuple[dict[str, ListRow], dict[MemberKey, MemberRow], dict[str, TodoRow]] | None = None

    def mark_loaded(self) -> None:
        """Remember the current rows as what the database holds (for :meth:`changes`)."""
        self._loaded = (dict(self.lists), dict(self.members), dict(self.todos))

    def username(self, user_id: str) -> str:
        """The username of ``user_id``; a stable placeholder if the user is unknown."""
        if not user_id:
            return "someone"
        return self.usernames.get(user_id) or f"user {user_id}"

    def remove_list(self, list_id: str) -> None:
        """Drop a list with everything of it: members, todos and activity."""
        self.lists.pop(list_id, None)
        self.purged_lists.add(list_id)
        for key in [k for k in self.members if k[0] == list_id]:
            del self.members[key]
        for todo_id in [t for t, row in self.todos.items() if row.list_id == list_id]:
            del self.todos[todo_id]
        for position in [p for p, row in self.activity.items() if row.list_id == list_id]:
            del self.activity[position]

    def changes(self) -> Changes:
        """The difference between now and the rows given to :meth:`mark_loaded`."""
        lists0, members0, todos0 = self._loaded or ({}, {}, {})
        lists_up, lists_del = _diff(lists0, self.lists)
        members_up, members_del = _diff(members0, self.members)
        todos_up, todos_del = _diff(todos0, self.todos)
        return Changes(
            purged_lists=set(self.purged_lists),
            lists_upserted=lists_up,
            lists_deleted=lists_del,
            members_upserted=members_up,
            members_deleted=members_del,
            todos_upserted=todos_up,
            todos_deleted=todos_del,
            activity=sorted(self.activity.values(), key=lambda row: row.position),
        )
