"""In-memory stand-ins for the API's ports, for unit tests of the command handlers.

The event store is the shared :class:`~todo_shared.eventstore.memory.InMemoryRecorder` (it
passes the recorder contract suite); :class:`RacingRecorder` only adds injected lost races.
The access index and the user directory have no shared in-memory implementation, so small
fakes of them live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

from todo_api.application.ports import ConcurrencyError, NewEvent, UserRef
from todo_api.bootstrap import Services, bootstrap
from todo_api.domain.events import DomainEvent
from todo_shared.event_registry import event_type
from todo_shared.eventstore.interface import RecordedEvent
from todo_shared.eventstore.memory import InMemoryRecorder

SECRET = "unit-test-secret-that-is-long-enough-000"


class RacingRecorder(InMemoryRecorder):
    """The in-memory recorder; each error in ``fail_next`` is raised by one append, first."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next: list[ConcurrencyError] = []

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[RecordedEvent]:
        if self.fail_next:
            raise self.fail_next.pop(0)
        return super().append(events, expected)


@dataclass
class FakeAccessIndex:
    members: set[tuple[str, str]] = field(default_factory=set)  # (list_id, user_id)

    def record(self, event: DomainEvent) -> None:
        known = event_type(event.type)
        for user_id, list_id in known.revoked(event.data) if known else []:
            self.members.discard((list_id, user_id))
        for user_id, list_id in known.granted(event.data) if known else []:
            self.members.add((list_id, user_id))

    def can_read(self, user_id: str, list_id: str) -> bool:
        return (list_id, user_id) in self.members

    def list_ids_of(self, user_id: str) -> list[str]:
        return sorted(lid for lid, uid in self.members if uid == user_id)


@dataclass
class FakeDirectory:
    users: dict[str, str] = field(default_factory=dict)  # id -> username

    def find(self, username: str) -> UserRef | None:
        for user_id, name in self.users.items():
            if name == username:
                return UserRef(user_id, name)
        return None

    def usernames(self, user_ids: Iterable[str]) -> dict[str, str]:
        return {i: self.users[i] for i in user_ids if i in self.users}


def fake_services(**users: str) -> Services:
    """The API wired on the fakes; ``users`` maps username -> id."""
    from todo_api.application.access import TokenSettings

    return bootstrap(
        recorder=RacingRecorder(),
        access=FakeAccessIndex(),
        directory=FakeDirectory({uid: name for name, uid in users.items()}),
        atomic=nullcontext,
        clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        tokens=TokenSettings(SECRET, 600),
    )
