"""The gateway's Fanout and Subscriptions against in-memory rooms and an in-memory API.

:class:`FakeRooms` records every emit, join and leave in order; :class:`FakeEventsApi`
serves pages of a list of envelopes the way ``GET /api/events`` does.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from gateway.adapters.events_api import EventsPage, EventsUnavailable
from gateway.application.fanout import Fanout, PositionGap
from gateway.application.sessions import Session, SessionRegistry
from gateway.application.subscriptions import Subscriptions
from gateway.domain.ordering import StreamCursor
from gateway.domain.revocations import RevocationTable
from gateway.options import GatewayOptions
from todo_shared.channels import channels_for
from todo_shared.rate_limit import TokenBucket
from todo_shared.tokens import issue_token, verify_token

SECRET = "unit-test-secret-0123456789abcdef0123456789abcdef"
LIST = str(uuid.uuid4())
CHANNEL = f"list:{LIST}"


class FakeRooms:
    def __init__(self, room_for_backlog: bool = True) -> None:
        self.log: list[tuple] = []
        self.room_for_backlog = room_for_backlog

    def deliver(self, envelope, rooms, skip) -> None:
        self.log.append(("deliver", envelope["id"], sorted(rooms), sorted(skip)))

    def deliver_to(self, sid, envelope) -> None:
        self.log.append(("deliver_to", sid, envelope.get("position")))

    def notify(self, sid, event, data) -> None:
        self.log.append(("notify", sid, event, dict(data)))

    def join(self, sid, channel) -> None:
        self.log.append(("join", sid, channel))

    def leave(self, sid, channel) -> None:
        self.log.append(("leave", sid, channel))

    def wait_for_room(self, sid, limit, timeout) -> bool:
        return self.room_for_backlog

    def burst(self):
        return contextlib.nullcontext()

    def flush(self) -> None:
        self.log.append(("flush",))


class FakeEventsApi:
    def __init__(self, events: list[dict], page_size: int = 2, fail: bool = False) -> None:
        self.events, self.page_size, self.fail = events, page_size, fail

    def pages(
        self, after: int, channel: str | None = None, limit: int = 1000
    ) -> Iterator[EventsPage]:
        if self.fail:
            raise EventsUnavailable("GET /api/events answered 503")
        while True:
            found = [
                e
                for e in self.events
                if e["position"] > after and (channel is None or channel in e["channels"])
            ][: self.page_size]
            last = found[-1]["position"] if found else after
            yield EventsPage(found, last)
            if last <= after:
                return
            after = last


def store_event(position: int, event_type: str = "TodoCreated", **data: object) -> dict:
    data = {"list_id": LIST, **data}
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "position": position,
        "channels": channels_for(event_type, data),
        "data": data,
    }


def session_of(user_id: str, position: int = 0, burst: int = 50) -> Session:
    token, _ = issue_token(SECRET, user_id=user_id, channels=[CHANNEL], position=position, ttl=600)
    return Session(f"sid-{user_id}", [verify_token(SECRET, token)], TokenBucket(burst, 0.0))


class Parts:
    def __init__(self, api: FakeEventsApi | None = None, rooms: FakeRooms | None = None) -> None:
        self.rooms = rooms or FakeRooms()
        self.registry = SessionRegistry()
        self.cursor = StreamCursor()
        self.revocations = RevocationTable(keep_seconds=660)
        self.overflowed: list[str] = []
        self.fanout = Fanout(
            self.rooms, self.registry, self.cursor, self.revocations, 3, self.overflowed.append
        )
        self.subscriptions = Subscriptions(
            registry=self.registry,
            rooms=self.rooms,
            fanout=self.fanout,
            api=api or FakeEventsApi([]),
            cursor=self.cursor,
            revocations=self.revocations,
            options=GatewayOptions(),
            secret=SECRET,
            on_slow=self.overflowed.append,
        )

    def connect(self, session: Session) -> Session:
        self.registry.open(session)
        return session


# -- Fanout ---------------------------------------------------------------------------------


def test_an_event_goes_out_once_to_the_union_of_its_rooms_and_duplicates_are_dropped():
    parts = Parts()
    alice = parts.connect(session_of("1"))
    parts.registry.join(alice, CHANNEL, 0, "1")
    parts.registry.join(alice, "user:1", 0, "1")
    created = store_event(1, "ListCreated", name="L", owner_id="1")
    assert parts.fanout.accept(created, "broker") is True
    assert parts.fanout.accept(created, "broker") is False
    assert parts.rooms.log == [("deliver", created["id"], [CHANNEL, "user:1"], [])]
    assert parts.cursor.position == 1


def test_a_skipped_position_is_a_gap_unless_allowed():
    parts = Parts()
    parts.fanout.accept(store_event(1), "broker")
    with pytest.raises(PositionGap) as gap:
        parts.fanout.accept(store_event(3), "broker")
    assert (gap.value.last, gap.value.arrived) == (1, 3)
    assert parts.fanout.accept(store_event(3), "api", allow_gap=True) is True
    assert parts.cursor.position == 3


def test_live_only_events_are_deduplicated_by_id():
    parts = Parts()
    bob = parts.connect(session_of("2"))
    parts.registry.join(bob, "public:news", 0, None)
    live = {"id": "e-1", "type": "Note", "channels": ["public:news"], "data": {}}
    assert parts.fanout.accept(live, "broker") and not parts.fanout.accept(live, "broker")
    assert [entry[0] for entry in parts.rooms.log] == ["deliver"]


def test_a_removed_member_gets_the_event_then_loses_the_channel():
    parts = Parts()
    bob = parts.connect(session_of("2"))
    parts.registry.join(bob, CHANNEL, 0, "2")
    removed = store_event(5, "MemberRemoved", user_id="2")
    parts.fanout.accept(removed, "broker")
    assert parts.rooms.log == [
        ("deliver", removed["id"], [CHANNEL], []),  # only rooms someone is in
        ("leave", bob.sid, CHANNEL),
        ("notify", bob.sid, "unsubscribed", {"channel": CHANNEL, "reason": "revoked"}),
    ]
    assert CHANNEL not in bob.joined
    assert parts.revocations.is_revoked("2", LIST, token_position=4)


def test_a_catching_up_connection_gets_live_events_buffered_until_it_overflows():
    parts = Parts()
    carol = parts.connect(session_of("3"))
    catch_up = parts.registry.begin_catch_up(carol.sid, CHANNEL, "3", 0)
    events = [store_event(p) for p in range(1, 5)]
    for envelope in events[:3]:
        parts.fanout.accept(envelope, "broker")
    assert catch_up.buffer == events[:3] and catch_up.aborted is None
    assert parts.rooms.log == []  # nobody is in the room yet
    parts.fanout.accept(events[3], "broker")
    assert catch_up.aborted == "slow_consumer" and parts.overflowed == [carol.sid]


# -- Subscriptions --------------------------------------------------------------------------


def test_subscribe_with_since_catches_up_in_order_then_joins():
    history = [store_event(p) for p in range(1, 6)]
    parts = Parts(FakeEventsApi(history, page_size=2))
    alice = parts.connect(session_of("1"))
    ack = parts.subscriptions.subscribe(alice.sid, {"channel": CHANNEL, "since": 1})
    assert ack == {"ok": True, "channel": CHANNEL, "position": 5}
    assert parts.rooms.log == [
        *[("deliver_to", alice.sid, p) for p in range(2, 6)],
        ("join", alice.sid, CHANNEL),
    ]
    assert CHANNEL in alice.joined and parts.registry.catching_up(CHANNEL) == {}


def test_a_catch_up_stopped_for_a_slow_consumer_is_refused_as_unavailable():
    history = [store_event(p) for p in range(1, 6)]
    parts = Parts(FakeEventsApi(history, page_size=2), FakeRooms(room_for_backlog=False))
    alice = parts.connect(session_of("1"))
    ack = parts.subscriptions.subscribe(alice.sid, {"channel": CHANNEL, "since": 0})
    assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
    assert "slow_consumer" in ack["error"]["message"]
    assert parts.overflowed == [alice.sid] and CHANNEL not in alice.joined


def test_an_unreachable_api_is_refused_as_unavailable():
    parts = Parts(FakeEventsApi([], fail=True))
    alice = parts.connect(session_of("1"))
    ack = parts.subscriptions.subscribe(alice.sid, {"channel": CHANNEL, "since": 0})
    assert ack["error"] == {
        "code": "unavailable",
        "message": "missed events cannot be fetched now; retry",
    }
    assert parts.rooms.log == []


def test_subscribe_refusals():
    parts = Parts()
    alice = parts.connect(session_of("1", burst=2))
    other = f"list:{uuid.uuid4()}"
    assert (
        parts.subscriptions.subscribe(alice.sid, {"channel": other})["error"]["code"] == "forbidden"
    )
    assert (
        parts.subscriptions.subscribe(alice.sid, {"channel": 7})["error"]["code"] == "bad_request"
    )
    assert parts.subscriptions.subscribe(alice.sid, {"channel": CHANNEL})["error"]["code"] == (
        "rate_limited"
    )
    assert parts.subscriptions.subscribe("nobody", {"channel": CHANNEL})["error"]["code"] == (
        "unavailable"
    )


def test_unsubscribe_leaves_the_room():
    parts = Parts()
    alice = parts.connect(session_of("1"))
    parts.fanout.accept(store_event(1), "broker")
    assert parts.subscriptions.subscribe(alice.sid, {"channel": CHANNEL})["ok"] is True
    assert parts.subscriptions.unsubscribe(alice.sid, {"channel": CHANNEL}) == {"ok": True}
    assert parts.rooms.log[-1] == ("leave", alice.sid, CHANNEL)
    assert CHANNEL not in alice.joined
