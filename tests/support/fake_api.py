"""In-memory stand-ins for the API's ports, for unit tests of the command handlers.

``FakeRecorder`` has ``EventRecorder``'s method names (``append``, ``read_stream``,
``last_position``, ``read_all``, ``read_channels``) and its rules: every expected version is
checked before anything is written, positions are gap-free from 1, and a failed append
writes nothing. (The shared package's official in-memory recorder will replace it.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from todo_api.application.ports import ConcurrencyError, NewEvent, UserRef
from todo_api.bootstrap import Services, bootstrap
from todo_api.domain.events import DomainEvent

SECRET = "unit-test-secret-that-is-long-enough-000"


@dataclass(frozen=True)
class Recorded:
    position: int
    stream: str
    version: int
    type: str
    data: Mapping[str, Any]
    channels: Sequence[str]
    metadata: Mapping[str, Any]
    occurred_at: datetime
    event_id: str


@dataclass
class FakeRecorder:
    events: list[Recorded] = field(default_factory=list)
    fail_next: list[ConcurrencyError] = field(default_factory=list)  # injected lost races

    def append(
        self, events: Sequence[NewEvent], expected: Mapping[str, int] | None = None
    ) -> list[Recorded]:
        if self.fail_next:
            raise self.fail_next.pop(0)
        checks = dict(expected or {})
        for event in events:
            checks.setdefault(event.stream, event.version - 1)
        for stream, version in checks.items():
            actual = len(self.read_stream(stream))
            if actual != version:
                raise ConcurrencyError(stream, version, actual)
        stored = [
            Recorded(
                len(self.events) + i + 1,
                e.stream,
                e.version,
                e.type,
                dict(e.data),
                list(e.channels),
                dict(e.metadata),
                e.occurred_at,
                e.event_id,
            )
            for i, e in enumerate(events)
        ]
        self.events.extend(stored)
        return stored

    def read_stream(self, stream: str) -> list[Recorded]:
        return [e for e in self.events if e.stream == stream]

    def last_position(self) -> int:
        return len(self.events)

    def read_all(self, after: int, limit: int) -> list[Recorded]:
        return [e for e in self.events if e.position > after][:limit]

    def read_channels(self, channels: Iterable[str], after: int, limit: int) -> list[Recorded]:
        wanted = set(channels)
        return [e for e in self.read_all(after, 10**9) if wanted & set(e.channels)][:limit]


@dataclass
class FakeAccessIndex:
    members: set[tuple[str, str]] = field(default_factory=set)  # (list_id, user_id)

    def record(self, event: DomainEvent) -> None:
        data = event.data
        if event.type == "ListCreated":
            self.members.add((data["list_id"], data["owner_id"]))
        elif event.type == "MemberAdded":
            self.members.add((data["list_id"], data["user_id"]))
        elif event.type == "MemberRemoved":
            self.members.discard((data["list_id"], data["user_id"]))
        elif event.type == "ListDeleted":
            self.members = {m for m in self.members if m[0] != data["list_id"]}

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
        recorder=FakeRecorder(),
        access=FakeAccessIndex(),
        directory=FakeDirectory({uid: name for name, uid in users.items()}),
        atomic=nullcontext,
        clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        tokens=TokenSettings(SECRET, 600),
    )
