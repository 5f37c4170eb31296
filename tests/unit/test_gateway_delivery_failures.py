"""An event whose delivery fails part-way is never silently lost for anyone (#12).

Once the cursor passed an event, a broker redelivery of it is dropped as a duplicate. So a
failure while handing it out must not abort the loop for the other connections, and every
connection that may have missed it is closed: its client reconnects and resumes with
``since``, which brings it the event from the store.
"""

from __future__ import annotations

from typing import Any

import pytest
from engineio import packet as engine_packet
from gateway import metrics
from gateway.application.connections import Connections
from gateway.application.fanout import Fanout
from gateway.application.sessions import SessionRegistry
from gateway.domain.ordering import StreamCursor
from gateway.domain.revocations import RevocationTable
from gateway.options import GatewayOptions

from tests.unit.test_gateway_engine_sockets import Rooms, frames_of
from tests.unit.test_gateway_fanout import CHANNEL, FakeRooms, session_of, store_event


def failures(stage: str) -> float:
    return metrics.DELIVERY_FAILURES.labels(stage)._value.get()


class Broken:
    """An engine.io socket ``send`` that raises (and records that it was asked)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, packet: engine_packet.Packet) -> None:
        self.calls += 1
        raise RuntimeError("injected: this connection's send failed")


def test_one_failing_connection_does_not_cost_the_others_the_event() -> None:
    rooms = Rooms()
    _, before = rooms.add()
    _, broken = rooms.add(websocket=False)  # polling: goes through engine_socket.send
    _, after = rooms.add()
    broken.engine.send = send = Broken()
    seen = failures("write")
    rooms.rooms.deliver({"n": 1}, ["public:fast"], [])
    assert send.calls == 1  # the fault happened
    assert before.received() == frames_of(1)
    assert after.received() == frames_of(1)
    assert broken.engine.closed  # it resumes with since after reconnecting
    assert failures("write") == seen + 1


def test_a_failing_connection_inside_a_burst_is_closed_and_the_rest_get_everything() -> None:
    rooms = Rooms()
    _, first = rooms.add()
    _, broken = rooms.add(websocket=False)
    _, last = rooms.add()
    broken.engine.send = send = Broken()
    with rooms.rooms.burst():
        rooms.rooms.deliver({"n": 1}, ["public:fast"], [])
        rooms.rooms.deliver({"n": 2}, ["public:fast"], [])
    assert send.calls == 1
    assert first.received() == frames_of(1, 2)
    assert last.received() == frames_of(1, 2)
    assert broken.engine.closed


class RaisingRooms(FakeRooms):
    def deliver(self, envelope: Any, rooms: Any, skip: Any) -> None:
        self.log.append(("deliver raised", envelope["id"]))
        raise RuntimeError("injected: the emit failed")


def fanout_with(rooms: FakeRooms, cut: list[list[str]] | None) -> tuple[Fanout, SessionRegistry]:
    registry = SessionRegistry()
    fanout = Fanout(
        rooms,
        registry,
        StreamCursor(),
        RevocationTable(keep_seconds=60),
        3,
        lambda sid: None,
        on_undelivered=None if cut is None else cut.append,
    )
    return fanout, registry


def test_an_event_whose_emit_failed_closes_every_connection_it_was_for() -> None:
    rooms, cut = RaisingRooms(), []
    fanout, registry = fanout_with(rooms, cut)
    alice = session_of("1")
    registry.open(alice)
    registry.join(alice, CHANNEL, 0, "1")
    event = store_event(1)
    seen = failures("fanout")
    assert fanout.accept(event, "broker") is True
    assert rooms.log == [("deliver raised", event["id"])]  # the fault happened
    assert cut == [event["channels"]]
    assert fanout.cursor.position == 1  # passed on: a redelivery is a duplicate
    assert fanout.accept(event, "broker") is False
    assert failures("fanout") == seen + 1


def test_without_a_fallback_the_failure_is_raised() -> None:
    fanout, registry = fanout_with(RaisingRooms(), None)
    alice = session_of("1")
    registry.open(alice)
    registry.join(alice, CHANNEL, 0, "1")
    with pytest.raises(RuntimeError, match="injected"):
        fanout.accept(store_event(1), "broker")


class ClosingRooms(FakeRooms):
    def close_transport(self, sid: str) -> None:
        self.log.append(("close_transport", sid))


def test_cut_off_closes_joined_and_catching_up_connections_of_the_channels() -> None:
    registry, rooms = SessionRegistry(), ClosingRooms()
    connections = Connections(registry, rooms, GatewayOptions(), "secret", lambda s: None)  # type: ignore[arg-type]
    joined, catching_up, elsewhere = session_of("1"), session_of("2"), session_of("3")
    for session in (joined, catching_up, elsewhere):
        registry.open(session)
    registry.join(joined, CHANNEL, 0, "1")
    registry.begin_catch_up(catching_up.sid, CHANNEL, "2", 0)
    registry.join(elsewhere, "user:3", 0, "3")
    connections.cut_off([CHANNEL])
    closed = sorted(entry[1] for entry in rooms.log if entry[0] == "close_transport")
    assert closed == sorted([joined.sid, catching_up.sid])
    assert set(registry.sessions) == {elsewhere.sid}
    assert CHANNEL not in registry.members
