"""In-memory read-model tables and usernames, for unit tests of the use cases.

:class:`InMemoryReadModelTables` keeps the rows in dictionaries and behaves like the database
where the use cases depend on it: a transaction that raises leaves nothing behind, the
checkpoint moves only inside transactions, and while a rebuild has taken the projection
:meth:`~InMemoryReadModelTables.try_share_projection` is False.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

from todo_shared.event_registry import MEMBERSHIP_EVENT_TYPES

from projector.domain.rows import ActivityRow, Event, ListRow, MemberKey, MemberRow, TodoRow
from projector.domain.state import Changes, ReadModels


class TransientError(Exception):
    """What a test raises to play a database outage."""


class InMemoryReadModelTables:
    """The four read-model tables and the checkpoint, in dictionaries."""

    transient_errors: tuple[type[BaseException], ...] = (TransientError,)

    def __init__(self) -> None:
        self.lists: dict[str, ListRow] = {}
        self.members: dict[MemberKey, MemberRow] = {}
        self.todos: dict[str, TodoRow] = {}
        self.activity: dict[int, ActivityRow] = {}
        self.checkpoint = 0
        self.rebuilding = False
        self.projection_taken = False
        self.resets = 0
        self._lock = threading.RLock()

    @contextmanager
    def _transaction(self) -> Iterator[object]:
        with self._lock:
            lists, members = dict(self.lists), dict(self.members)
            todos, activity, checkpoint = dict(self.todos), dict(self.activity), self.checkpoint
            try:
                yield self
            except BaseException:  # roll back
                self.lists, self.members, self.todos, self.activity = (
                    lists,
                    members,
                    todos,
                    activity,
                )
                self.checkpoint = checkpoint
                raise

    def transaction(self) -> AbstractContextManager[object]:
        return self._transaction()

    def try_share_projection(self) -> bool:
        return not self.projection_taken

    def ensure_checkpoint(self) -> int:
        return self.checkpoint

    def lock_checkpoint(self) -> int:
        return self.checkpoint

    def save_checkpoint(self, position: int) -> None:
        self.checkpoint = position

    def read_checkpoint(self) -> int:
        return self.checkpoint

    def load_for(self, events: list[Event], usernames: dict[str, str]) -> ReadModels:
        todo_ids = {str(e.data["todo_id"]) for e in events if "todo_id" in e.data}
        todos = {t: r for t, r in self.todos.items() if t in todo_ids}
        list_ids = {str(e.data.get("list_id")) for e in events} | {
            t.list_id for t in todos.values()
        }
        member_lists = {
            str(e.data.get("list_id")) for e in events if e.type in MEMBERSHIP_EVENT_TYPES
        }
        models = ReadModels(
            lists={k: r for k, r in self.lists.items() if k in list_ids},
            members={k: r for k, r in self.members.items() if k[0] in member_lists},
            todos=todos,
            usernames=usernames,
        )
        models.mark_loaded()
        return models

    def write_changes(self, changes: Changes) -> None:
        for key in [k for k, r in self.members.items() if r.list_id in changes.purged_lists]:
            del self.members[key]
        for tkey in [k for k, r in self.todos.items() if r.list_id in changes.purged_lists]:
            del self.todos[tkey]
        for akey in [k for k, r in self.activity.items() if r.list_id in changes.purged_lists]:
            del self.activity[akey]
        for list_id in changes.lists_deleted:
            self.lists.pop(list_id, None)
        for member in changes.members_deleted:
            self.members.pop(member, None)
        for todo_id in changes.todos_deleted:
            self.todos.pop(todo_id, None)
        self.lists.update((r.list_id, r) for r in changes.lists_upserted)
        self.members.update(((r.list_id, r.user_id), r) for r in changes.members_upserted)
        self.todos.update((r.todo_id, r) for r in changes.todos_upserted)
        for row in changes.activity:
            if row.position in self.activity:  # the table's primary key
                raise ValueError(f"activity row {row.position} written twice")
            self.activity[row.position] = row

    def clear_read_models(self) -> None:
        self.lists, self.members, self.todos, self.activity = {}, {}, {}, {}

    def try_become_only_rebuild(self) -> bool:
        with self._lock:
            if self.rebuilding:
                return False
            self.rebuilding = True
            return True

    def take_projection(self) -> None:
        self.projection_taken = True

    def release_locks(self) -> None:
        self.rebuilding = False
        self.projection_taken = False

    def reset_connection(self) -> None:
        self.resets += 1


class FixedUsernames:
    """``user id → username`` from a dictionary."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    def for_events(self, events: Iterable[Event]) -> dict[str, str]:
        return dict(self.known)
