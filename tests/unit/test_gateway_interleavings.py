"""Random interleavings of live events with subscribes, catch-ups and a move to another
gateway, checked against the store: every event the connection is owed (a channel of it was
held from before its position) arrives once, and nothing else does, across the move.

Order across channels is not checked here: a resume catches channels up one after the
other, so an event of two channels (``ListCreated`` on ``list:`` and ``user:``) can arrive
with the first channel's catch-up, before older events of the second (docs/gateway.md).

Under eventlet a green thread yields only at I/O. The subscription code does I/O only when
it reads a page of ``GET /api/events``, so :class:`World` runs the broker (commits and live
deliveries) exactly there: the fake API's page generator calls :meth:`World.tick` before each
page, as the hub would switch to the broker's green thread during that HTTP call.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pytest
from gateway.adapters.events_api import EventsPage
from gateway.application.fanout import Fanout
from gateway.application.sessions import Session, SessionRegistry
from gateway.application.subscriptions import Subscriptions
from gateway.domain.ordering import StreamCursor
from gateway.domain.revocations import RevocationTable
from gateway.options import GatewayOptions
from todo_shared.rate_limit import TokenBucket
from todo_shared.tokens import issue_token, verify_token

SECRET = "unit-test-secret-0123456789abcdef0123456789abcdef"
USER = "7"
CHANNELS = [f"list:{uuid.uuid4()}", f"list:{uuid.uuid4()}", f"user:{USER}"]
OTHER = f"list:{uuid.uuid4()}"  # a list the user does not hold


class SimRooms:
    """Rooms as python-socketio keeps them; what each connection received, in order."""

    def __init__(self) -> None:
        self.members: dict[str, set[str]] = {}
        self.received: dict[str, list[Mapping[str, Any]]] = {}

    def deliver(self, envelope: Mapping[str, Any], rooms: list[str], skip: Iterable[str]) -> None:
        skipped = set(skip)
        for sid in set().union(*(self.members.get(r, set()) for r in rooms)) - skipped:
            self.received.setdefault(sid, []).append(envelope)

    def deliver_to(self, sid: str, envelope: Mapping[str, Any]) -> None:
        self.received.setdefault(sid, []).append(envelope)

    def notify(self, sid: str, event: str, data: Mapping[str, Any]) -> None:
        pass

    def join(self, sid: str, channel: str) -> None:
        self.members.setdefault(channel, set()).add(sid)

    def leave(self, sid: str, channel: str) -> None:
        self.members.get(channel, set()).discard(sid)

    def wait_for_room(self, sid: str, limit: int, timeout: float) -> bool:
        return True


class World:
    """The store (committed events) and, per gateway, its broker feed lagging behind it."""

    def __init__(self, rng: random.Random, events: int) -> None:
        self.rng = rng
        self.store: list[dict[str, Any]] = []
        for position in range(1, events + 1):
            channels = rng.sample([*CHANNELS, OTHER], rng.choice([1, 1, 1, 2, 3]))
            self.store.append(
                {
                    "id": str(uuid.uuid4()),
                    "type": "TodoCreated",
                    "position": position,
                    "channels": channels,
                    "data": {"list_id": "x"},
                }
            )
        self.head = 0  # committed
        self.gateways: list[Gateway] = []

    def tick(self) -> None:
        """What other green threads do while one waits on I/O: commit, and feed."""
        self.head = min(len(self.store), self.head + self.rng.randint(0, 4))
        for gateway in self.gateways:
            gateway.feed(self.rng.randint(0, 5))

    def pages(self, after: int, channel: str | None, limit: int) -> Iterator[EventsPage]:
        while True:
            self.tick()  # the HTTP request: other green threads run meanwhile
            newest = self.head
            found = [
                e for e in self.store[:newest]
                if e["position"] > after and (channel is None or channel in e["channels"])
            ][:limit]  # fmt: skip
            last = found[-1]["position"] if len(found) >= limit else max(after, newest)
            yield EventsPage(found, last)
            if last <= after:
                return
            after = last


class Api:
    def __init__(self, world: World, page: int) -> None:
        self.world, self.page = world, page

    def pages(
        self, after: int, channel: str | None = None, limit: int = 1000
    ) -> Iterator[EventsPage]:
        return self.world.pages(after, channel, self.page)


class Gateway:
    def __init__(self, world: World, page: int) -> None:
        self.world = world
        self.rooms = SimRooms()
        self.registry = SessionRegistry()
        self.cursor = StreamCursor()
        self.fanout = Fanout(
            self.rooms, self.registry, self.cursor, RevocationTable(660), 10_000, lambda s: None
        )
        self.subscriptions = Subscriptions(
            registry=self.registry, rooms=self.rooms, fanout=self.fanout,
            api=Api(world, page), cursor=self.cursor, revocations=RevocationTable(660),
            options=GatewayOptions(), secret=SECRET, on_slow=lambda s: None,
        )  # fmt: skip
        world.gateways.append(self)

    def feed(self, count: int) -> None:
        """Pass on up to ``count`` committed events the broker has for this gateway."""
        passed = self.cursor.position or 0
        for envelope in self.world.store[passed : min(self.world.head, passed + count)]:
            self.fanout.accept(envelope, "broker")

    def open(self, sid: str) -> Session:
        token, _ = issue_token(SECRET, user_id=USER, channels=CHANNELS, position=0, ttl=600)
        session = Session(sid, [verify_token(SECRET, token)], TokenBucket(100, 0.0))
        self.registry.open(session)
        return session


def positions_of(events: Iterable[Mapping[str, Any]], channel: str) -> list[int]:
    return [e["position"] for e in events if channel in e["channels"]]


@pytest.mark.parametrize("seed", range(400))
def test_every_owed_event_arrives_once_across_a_move(seed: int) -> None:
    rng = random.Random(seed)
    world = World(rng, events=rng.randint(30, 120))
    first, second = Gateway(world, page=rng.randint(1, 6)), Gateway(world, page=rng.randint(1, 6))
    world.head = rng.randint(1, 10)
    first.feed(rng.randint(1, 10))
    second.feed(rng.randint(0, 10))

    # Subscribe on the first gateway, from now, in a random order.
    start: dict[str, int] = {}
    session = first.open("sid-1")
    for channel in rng.sample(CHANNELS, len(CHANNELS)):
        ack = first.subscriptions.subscribe(session.sid, {"channel": channel})
        assert ack["ok"], ack
        start[channel] = ack["position"]
        world.tick()
    for _ in range(rng.randint(0, 15)):
        world.tick()
    # The first gateway dies: the client got a prefix of what was sent to it.
    sent = first.rooms.received.get(session.sid, [])
    got = list(sent[: rng.randint(0, len(sent))])
    world.gateways.remove(first)
    for _ in range(rng.randint(0, 5)):
        world.tick()

    # Resume on the second one with since = the highest position received per channel.
    moved = second.open("sid-2")
    for channel in rng.sample(CHANNELS, len(CHANNELS)):
        since = max([start[channel], *positions_of(got, channel)])
        ack = second.subscriptions.subscribe(moved.sid, {"channel": channel, "since": since})
        assert ack["ok"], ack
        world.tick()
    world.head = len(world.store)
    second.feed(len(world.store))
    got += second.rooms.received.get(moved.sid, [])

    ids = [e["id"] for e in got]
    assert len(ids) == len(set(ids)), f"seed {seed}: an event arrived twice"
    owed = {
        e["id"]
        for e in world.store
        if any(c in e["channels"] and e["position"] > start[c] for c in CHANNELS)
    }
    lost = sorted(e["position"] for e in world.store if e["id"] in owed - set(ids))
    extra = sorted(e["position"] for e in got if e["id"] not in owed)
    assert not lost and not extra, f"seed {seed}: lost {lost}, not owed {extra}"
