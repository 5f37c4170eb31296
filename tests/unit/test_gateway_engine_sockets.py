"""The fan-out's fast path (gateway.adapters.engine_sockets and SocketRooms.deliver/burst):
direct writes keep each client's order, fall back to the library's queue when a write would
block or something is waiting, leave polling clients to the queue — and the engine.io /
eventlet internals they rely on are still there (an upgrade that moves them fails here).

Real sockets (a socketpair under eventlet's green sockets), a real ``engineio.Socket`` and a
real ``socketio.Server`` in eventlet mode; nothing is monkey-patched.
"""

from __future__ import annotations

import inspect
import json
import socket
from importlib.metadata import version
from typing import Any

import engineio
import eventlet
import pytest
import socketio
from engineio import packet as engine_packet
from engineio import socket as engine_socket_module
from eventlet.green import socket as green_socket
from eventlet.websocket import RFC6455WebSocket
from gateway.adapters import engine_sockets
from gateway.adapters.engine_sockets import Lane, websocket_frame, write_now
from gateway.adapters.socket_rooms import SocketRooms

ROOM = "public:fast"


class Client:
    """One WebSocket client as the gateway holds it: engine.io socket + eventlet ws."""

    def __init__(self, server: Any, sid: str, websocket: bool = True) -> None:
        ours, self.theirs = green_socket.socketpair()  # (a dropped green socket closes)
        self.peer = self.theirs.fd  # the client's end, read without the hub
        self.peer.setblocking(False)
        self.ws = RFC6455WebSocket(ours, {}, 13)
        self.engine = engine_socket_module.Socket(server, sid)
        self.engine.connected = True
        if websocket:
            self.engine.upgraded = True
            self.engine.gateway_lane = Lane.of(self.ws)

    def received(self) -> bytes:
        data = b""
        while True:
            try:
                chunk = self.peer.recv(1 << 20)
            except BlockingIOError:
                return data
            if not chunk:
                return data
            data += chunk

    def queued(self) -> list[Any]:
        return list(self.engine.queue.queue)


def no_spawn(*args: Any) -> None:
    raise AssertionError("no partial write expected")


@pytest.fixture
def eio() -> engineio.Server:
    return engineio.Server(async_mode="eventlet")


# -- the internals this relies on --------------------------------------------------------------


def test_the_versions_whose_internals_were_checked() -> None:
    # engine_sockets/ names what it uses; re-read it against a new release, then bump here.
    assert version("python-engineio") == "4.15.1"
    assert version("python-socketio") == "5.18.1"
    assert version("eventlet") == "0.41.3"


def test_engine_io_and_eventlet_internals_are_still_there(eio: engineio.Server) -> None:
    params = list(inspect.signature(engine_socket_module.Socket._websocket_handler).parameters)
    assert params == ["self", "ws"]
    upgrade = inspect.getsource(engine_socket_module.Socket._upgrade_websocket)
    assert "_async['websocket'](\n            self._websocket_handler, self.server)" in upgrade
    assert list(inspect.signature(eio._async["websocket"].__init__).parameters)[1:3] == [
        "handler",
        "server",
    ]
    client = Client(eio, "s1")
    for name in ("queue", "upgraded", "upgrading", "closing", "closed", "check_ping_timeout"):
        assert hasattr(client.engine, name), name
    for name in ("_sendlock", "websocket_closed", "extensions", "socket"):
        assert hasattr(client.ws, name), name
    assert hasattr(client.ws._sendlock, "counter") and hasattr(client.ws._sendlock, "_waiters")
    assert client.ws.socket.fd.gettimeout() == 0.0  # the descriptor under a green socket


def test_the_internals_of_the_ping_task_and_the_writerless_socket_are_there(
    eio: engineio.Server,
) -> None:
    """What engine_sockets/pings.py and sockets.py use besides the above (the code they copy
    is checked line by line in test_gateway_engine_pings.py and test_gateway_engine_writer.py)."""
    assert isinstance(eio.sockets, dict) and eio.ping_interval and eio.ping_timeout
    assert eio.get_queue_empty_exception() is eventlet.queue.Empty
    sock = Client(eio, "s1").engine
    assert sock.last_ping is not None  # set at creation: the first schedule_ping schedules
    for name in ("task_done", "join", "qsize"):
        assert callable(getattr(sock.queue, name)), name
    task = eio.start_background_task(lambda: None)
    task.join()  # the drainer is joined when the connection ends
    assert list(inspect.signature(engine_socket_module.Socket.send).parameters) == ["self", "pkt"]
    assert eio.reason.PING_TIMEOUT and eio.reason.TRANSPORT_CLOSE


def test_the_frame_is_the_one_eventlet_would_send() -> None:
    pair = green_socket.socketpair()
    ws = RFC6455WebSocket(pair[0], {}, 13)
    for text in ("4" + "x" * 100, "4" + "é" * 200, "4" + "y" * 70_000):
        assert websocket_frame(text) == ws._pack_message(text)


def test_install_sets_a_lane_while_the_handler_runs_and_refuses_deflate(
    eio: engineio.Server,
) -> None:
    base = eio._async["websocket"]
    engine_sockets.install(eio)
    wrapped = eio._async["websocket"]
    assert wrapped is not base and issubclass(wrapped, base)
    assert engineio.Server(async_mode="eventlet")._async["websocket"] is base  # not shared

    lanes: list[Any] = []

    class Recording(engine_socket_module.Socket):  # type: ignore[misc]
        def _websocket_handler(self, ws: Any) -> list[Any]:
            lanes.append(self.gateway_lane)
            return []

    engine = Recording(eio, "s1")
    ws = RFC6455WebSocket(green_socket.socketpair()[0], {}, 13)
    app = wrapped(engine._websocket_handler, eio)
    app.handler(ws)
    assert isinstance(lanes[0], Lane) and lanes[0].ws is ws
    assert engine.gateway_lane is None  # gone once the connection ended
    environ = {"HTTP_SEC_WEBSOCKET_EXTENSIONS": "permessage-deflate; client_max_window_bits"}
    with pytest.raises(RuntimeError):  # no eventlet server here, but the header went first
        app(environ, lambda *a: None)
    assert "HTTP_SEC_WEBSOCKET_EXTENSIONS" not in environ


def test_a_websocket_with_deflate_gets_no_lane() -> None:
    ws = RFC6455WebSocket(
        green_socket.socketpair()[0], {}, 13, extensions={"permessage-deflate": {}}
    )
    assert Lane.of(ws) is None


# -- direct writes -------------------------------------------------------------------------------


def test_an_idle_websocket_client_gets_the_frame_written_at_once(eio: engineio.Server) -> None:
    client = Client(eio, "s1")
    frame = websocket_frame('42["event",{"n":1}]')
    assert write_now(client.engine, frame, no_spawn) is True
    assert client.received() == frame
    assert client.queued() == []


def test_a_client_with_packets_queued_gets_nothing_directly(eio: engineio.Server) -> None:
    client = Client(eio, "s1")
    client.engine.queue.put(engine_packet.Packet(engine_packet.MESSAGE, "older"))
    assert write_now(client.engine, websocket_frame("4x"), no_spawn) is False
    assert client.received() == b""


def test_a_client_being_written_to_gets_nothing_directly(eio: engineio.Server) -> None:
    client = Client(eio, "s1")
    client.ws._sendlock.acquire()  # the writer is in the middle of a frame
    assert write_now(client.engine, websocket_frame("4x"), no_spawn) is False
    client.ws._sendlock.release()
    client.ws._sendlock._waiters.append(object())  # a writer waits with packets in hand
    assert client.ws._sendlock.counter > 0
    assert write_now(client.engine, websocket_frame("4x"), no_spawn) is False
    assert client.received() == b""


def test_polling_and_closing_clients_are_left_to_the_queue(eio: engineio.Server) -> None:
    polling = Client(eio, "s1", websocket=False)
    assert write_now(polling.engine, websocket_frame("4x"), no_spawn) is False
    closing = Client(eio, "s2")
    closing.engine.closing = True
    assert write_now(closing.engine, websocket_frame("4x"), no_spawn) is False
    assert polling.received() == closing.received() == b""


def test_a_full_kernel_buffer_falls_back_to_the_queue(eio: engineio.Server) -> None:
    client = Client(eio, "s1")
    fd = client.ws.socket.fd
    fd.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    with pytest.raises(BlockingIOError):  # the fault: fill the buffer until it refuses
        while True:
            fd.send(b"\0" * 4096)
    assert write_now(client.engine, websocket_frame("4x"), no_spawn) is False


def test_a_partial_write_is_finished_before_anything_else(eio: engineio.Server) -> None:
    client = Client(eio, "s1")
    client.ws.socket.fd.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    big = websocket_frame("4" + "z" * 500_000)
    spawned: list[Any] = []
    assert write_now(client.engine, big, lambda *a: spawned.append(a)) is True
    assert len(spawned) == 1  # the fault: the kernel took only part of the frame
    finish, *args = spawned[0]
    assert client.ws._sendlock.locked()  # held for the rest...
    assert write_now(client.engine, websocket_frame("4next"), no_spawn) is False  # ...so next waits
    got = bytearray(client.received())
    done = eventlet.spawn(finish, *args)
    while not done.dead:
        eventlet.sleep(0.001)
        got += client.received()
    got += client.received()
    assert bytes(got) == big
    assert not client.ws._sendlock.locked()


# -- SocketRooms: one encode, order, bursts -------------------------------------------------------


class Rooms:
    def __init__(self) -> None:
        self.sio = socketio.Server(async_mode="eventlet")
        self.rooms = SocketRooms(self.sio)

    def add(self, websocket: bool = True) -> tuple[str, Client]:
        eio_sid = self.sio.eio.generate_id()
        client = Client(self.sio.eio, eio_sid, websocket)
        self.sio.eio.sockets[eio_sid] = client.engine
        sid = self.sio.manager.connect(eio_sid, "/")
        self.sio.enter_room(sid, ROOM, namespace="/")
        return sid, client


def frames_of(*numbers: int) -> bytes:
    return b"".join(
        websocket_frame("42" + json.dumps(["event", {"n": n}], separators=(",", ":")))
        for n in numbers
    )


def test_deliver_writes_to_idle_clients_and_queues_behind_waiting_ones() -> None:
    rooms = Rooms()
    _, idle = rooms.add()
    _, busy = rooms.add()
    _, polling = rooms.add(websocket=False)
    skipped_sid, skipped = rooms.add()
    busy.engine.queue.put(engine_packet.Packet(engine_packet.MESSAGE, "older"))
    rooms.rooms.deliver({"n": 1}, [ROOM], [skipped_sid])
    assert idle.received() == frames_of(1)
    assert busy.received() == b"" and [p.data for p in busy.queued()] == [
        "older",
        '2["event",{"n":1}]',
    ]
    assert [p.encode() for p in polling.queued()] == ['42["event",{"n":1}]']
    assert skipped.received() == b"" and skipped.queued() == []


def test_a_burst_writes_each_clients_events_in_one_go_and_in_order() -> None:
    rooms = Rooms()
    _, idle = rooms.add()
    _, busy = rooms.add()
    busy.engine.queue.put(engine_packet.Packet(engine_packet.MESSAGE, "older"))
    with rooms.rooms.burst():
        rooms.rooms.deliver({"n": 1}, [ROOM], [])
        rooms.rooms.deliver({"n": 2}, [ROOM], [])
        assert idle.received() == b""  # nothing before the burst ends
    assert idle.received() == frames_of(1, 2)
    assert [p.data for p in busy.queued()] == [
        "older",
        '2["event",{"n":1}]',
        '2["event",{"n":2}]',
    ]


def test_a_notice_inside_a_burst_goes_after_the_events_before_it() -> None:
    rooms = Rooms()
    sid, idle = rooms.add()
    with rooms.rooms.burst():
        rooms.rooms.deliver({"n": 1}, [ROOM], [])
        rooms.rooms.notify(sid, "unsubscribed", {"channel": ROOM})
        assert idle.received() == frames_of(1)  # flushed before the notice was queued
        rooms.rooms.deliver({"n": 2}, [ROOM], [])
    assert [p.data for p in idle.queued()] == [
        '2["unsubscribed",{"channel":"public:fast"}]',
        '2["event",{"n":2}]',  # queued behind the notice, not written past it
    ]


def test_backlogged_names_the_clients_over_the_bound_in_one_pass() -> None:
    rooms = Rooms()
    rooms.add()  # an idle client, not named
    slow_sid, slow = rooms.add(websocket=False)
    for n in range(3):
        slow.engine.queue.put(engine_packet.Packet(engine_packet.MESSAGE, str(n)))
    assert rooms.rooms.backlogged(2) == [slow_sid]
    assert rooms.rooms.backlogged(3) == []


# -- garbage collection at start-up ---------------------------------------------------------------


def test_start_up_freezes_the_heap_and_raises_the_thresholds() -> None:
    import gc

    from gateway.bootstrap import GC_THRESHOLDS, tune_gc

    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS != before
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_reuse_port_is_off_unless_asked_for() -> None:
    from gateway.options import load_options
    from todo_shared.config import ConfigError

    assert load_options({}).reuse_port is False
    assert load_options({"GATEWAY_REUSE_PORT": "1"}).reuse_port is True
    assert load_options({"GATEWAY_REUSE_PORT": "0"}).reuse_port is False
    with pytest.raises(ConfigError, match="GATEWAY_REUSE_PORT"):
        load_options({"GATEWAY_REUSE_PORT": "yes please"})
