"""A WebSocket client without a writer green thread (engine_sockets.ReleasingSocket over
eventlet's WebSocket): packets go straight to the socket while nothing waits, queue in order
behind a full kernel buffer (written out by a drainer task that then ends), and the
handshake, closes and the end of a connection behave as engine.io's own handler.

A real ``engineio.Socket`` served by its ``_websocket_handler`` in a green thread, over a
socketpair under eventlet's green sockets; the test is the client (raw RFC 6455 frames)."""

from __future__ import annotations

import logging
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import engineio
import eventlet
import pytest
from engineio import packet as engine_packet
from engineio import socket as engine_socket_module
from eventlet.green import socket as green_socket
from eventlet.websocket import RFC6455WebSocket
from gateway.adapters.engine_sockets import Lane, adopt
from gateway.adapters.engine_sockets import sockets as socket_impl

TEXT, CLOSE_FRAME = 0x1, 0x8


def client_frame(text: str) -> bytes:
    """A masked text frame, as a client sends it."""
    payload, mask = text.encode(), b"\x1f\x2e\x3d\x4c"
    assert len(payload) < 126
    return (
        bytes([0x81, 0x80 | len(payload)])
        + mask
        + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    )


def frames(data: bytes) -> list[tuple[int, bytes]]:
    """The (opcode, payload) of each whole server frame in ``data``."""
    out, i = [], 0
    while i + 2 <= len(data):
        n, j = data[i + 1] & 0x7F, i + 2
        if n == 126:
            n, j = struct.unpack("!H", data[j : j + 2])[0], j + 2
        elif n == 127:
            n, j = struct.unpack("!Q", data[j : j + 8])[0], j + 8
        if j + n > len(data):
            break
        out.append((data[i] & 0x0F, data[j : j + n]))
        i = j + n
    return out


def texts(data: bytes) -> list[str]:
    return [payload.decode() for op, payload in frames(data) if op == TEXT]


class Served:
    """One engine.io socket served over a socketpair; counts the tasks its server starts."""

    def __init__(self, upgrade: bool = False) -> None:
        self.server = engineio.Server(async_mode="eventlet")
        self.started: list[Any] = []
        start = self.server.start_background_task

        def counting(target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            self.started.append(target)
            return start(target, *args, **kwargs)

        self.server.start_background_task = counting
        self.disconnects: list[str] = []
        self.server.on("disconnect", lambda sid, reason: self.disconnects.append(reason))
        ours, self.theirs = green_socket.socketpair()
        self.peer = self.theirs.fd
        self.peer.setblocking(False)
        self.ws = RFC6455WebSocket(ours, {}, 13)
        # eventlet's WSGI server holds the socket's files: the WebSocket's close then only
        # shuts it down, and the reader sees the client's end (as in the gateway)
        self.rfile = ours.makefile("rb")
        self.engine = engine_socket_module.Socket(self.server, "sid1")
        self.server.sockets["sid1"] = self.engine
        adopt(self.engine)
        self.engine.connected = upgrade  # connected already: an upgrade from polling
        self.engine.send(engine_packet.Packet(engine_packet.MESSAGE, "before"))
        self.engine.gateway_lane = Lane.of(self.ws)  # as LaneWebSocket sets it
        self.handler = eventlet.spawn(self.engine._websocket_handler, self.ws)
        self.got = b""

    def receive(self) -> bytes:
        while self.peer.fileno() != -1:
            try:
                chunk = self.peer.recv(1 << 20)
            except BlockingIOError:
                return self.got
            if not chunk:
                return self.got
            self.got += chunk
        return self.got

    def until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 5
        while not done():
            assert time.monotonic() < deadline, what
            eventlet.sleep(0.001)
            self.receive()

    def finish(self) -> None:
        """The client goes (as a client does after a close frame); the handler ends."""
        self.peer.close()
        self.until(lambda: self.handler.dead, "the handler to end")
        self.rfile.close()

    def writers(self) -> list[Any]:
        return [t for t in self.started if getattr(t, "__name__", "") == "_write_queue"]


def test_an_idle_client_has_no_writer_task_and_gets_packets_written_at_once() -> None:
    served = Served()
    served.until(lambda: texts(served.got) == ["4before"], "the packet queued before")
    served.until(lambda: served.engine.gateway_drainer is None, "the drainer to end")
    started = len(served.started)
    served.engine.send(engine_packet.Packet(engine_packet.PING))
    assert texts(served.receive()) == ["4before", "2"]  # written before any switch
    assert len(served.started) == started  # no task for it
    assert served.engine.queue.empty()
    served.finish()


def test_packets_queue_in_order_behind_a_full_buffer_and_the_drainer_then_ends() -> None:
    served = Served()
    served.until(lambda: texts(served.got) == ["4before"], "the packet queued before")
    fd = served.ws.socket.fd
    fd.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    served.got, filler = b"", 0
    with pytest.raises(BlockingIOError):  # the fault: fill the buffer until it refuses
        while True:
            filler += fd.send(b"\0" * 4096)
    for n in range(5):
        served.engine.send(engine_packet.Packet(engine_packet.MESSAGE, f"m{n}"))
    assert served.engine.queue.qsize() == 5  # waiting: the client's backlog
    assert served.engine.gateway_drainer is not None
    served.until(lambda: len(texts(served.got[filler:])) == 5, "every packet")
    assert texts(served.got[filler:]) == [f"4m{n}" for n in range(5)]
    served.until(lambda: served.engine.gateway_drainer is None, "the drainer to end")
    assert len(served.writers()) >= 2  # one for the first packet, one for the full buffer
    served.finish()


def test_a_close_from_the_server_tells_the_client_and_ends_the_connection() -> None:
    served = Served()
    served.until(lambda: texts(served.got) == ["4before"], "the packet queued before")
    served.engine.close(wait=False, abort=False, reason=served.server.reason.SERVER_DISCONNECT)
    served.until(lambda: frames(served.got)[-1][0] == CLOSE_FRAME, "the WebSocket's close")
    assert texts(served.got) == ["4before", "1"]  # engine.io's CLOSE packet, then the close
    served.finish()
    assert served.disconnects == [served.server.reason.SERVER_DISCONNECT]
    assert served.engine.closed and "sid1" not in served.server.sockets


def test_a_waiting_close_returns_once_the_queue_is_written() -> None:
    served = Served()
    served.until(lambda: texts(served.got) == ["4before"], "the packet queued before")
    closing = eventlet.spawn(served.engine.close)  # wait=True, as engineio.Server.disconnect
    served.until(lambda: closing.dead, "the close to return")
    assert frames(served.got)[-1][0] == CLOSE_FRAME
    served.finish()


def test_the_client_going_away_ends_the_handler_and_closes_the_socket() -> None:
    served = Served()
    served.until(lambda: texts(served.got) == ["4before"], "the packet queued before")
    served.peer.send(client_frame("3"))  # a PONG: engine.io schedules the next PING
    served.until(lambda: served.engine.last_ping is None, "the PONG to be read")
    served.finish()
    assert served.disconnects == [served.server.reason.TRANSPORT_CLOSE]
    assert served.engine.closed and served.engine.gateway_ws is None


def test_a_frame_that_is_no_engine_io_packet_ends_the_connection_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    served = Served()
    served.until(lambda: texts(served.got) == ["4before"], "the packet queued before")
    with caplog.at_level(logging.INFO, logger=socket_impl.__name__):
        served.peer.send(client_frame("x"))  # the fault: garbage (engine.io raises on it)
        served.until(lambda: served.engine.closed, "the connection to end")
    assert served.disconnects == [served.server.reason.TRANSPORT_CLOSE]
    lines = [r for r in caplog.records if r.name == socket_impl.__name__]
    assert [r.getMessage() for r in lines] == ["malformed engine.io frame"]
    assert lines[0].exc_info is None  # no traceback: garbage must not flood the logs
    served.finish()


def test_an_upgrade_from_polling_keeps_engine_io_s_handshake() -> None:
    served = Served(upgrade=True)
    served.peer.send(client_frame("2probe"))
    served.until(lambda: texts(served.got) == ["3probe"], "the probe's answer")
    assert served.engine.upgrading and not served.engine.upgraded
    served.peer.send(client_frame("5"))
    served.until(lambda: served.engine.upgraded, "the upgrade")
    # what was queued, and the NOOP meant for the pending poll (none here), as engine.io
    served.until(lambda: texts(served.got) == ["3probe", "4before", "6"], "what was queued")
    served.finish()


def test_a_websocket_that_is_not_eventlet_s_is_served_by_engine_io(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: list[Any] = []
    monkeypatch.setattr(socket_impl, "_serve_websocket", lambda *a: served.append(a))

    class Gone:
        def wait(self) -> None:
            return None  # the client left at once

        def close(self) -> None:
            pass

    server = engineio.Server(async_mode="threading")
    sock = engine_socket_module.Socket(server, "sid1")
    adopt(sock)
    assert sock._websocket_handler(Gone()) == []  # no lane: the library's handler ran
    assert served == [] and sock.closed


def test_the_engine_io_handler_this_copies_is_still_the_same() -> None:
    """``_serve_websocket`` is ``Socket._websocket_handler`` without its writer task."""
    import inspect

    source = inspect.getsource(engine_socket_module.Socket._websocket_handler)
    for line in (
        "data = ws.wait()",
        "len(data) > self.server.max_http_buffer_size",
        "self.server.ping_interval + self.server.ping_timeout)",
        "self.upgrading = True",
        "decoded_pkt.data != 'probe'",
        "ws.send(packet.Packet(packet.PONG, data='probe').encode())",
        "self.queue.put(packet.Packet(packet.NOOP))",
        "decoded_pkt.packet_type != packet.UPGRADE",
        "writer_task = self.server.start_background_task(writer)",
        "self.receive(pkt)",
        "except exceptions.SocketIsClosedError:",
        "self.queue.put(None)",
        "self.close(wait=False, abort=True,\n                   reason=self.server.reason.TRANSPORT_CLOSE)",
    ):
        assert line in source, line
    assert source.count("ws.send(") == 2  # the probe's PONG, and the writer's packets
    assert "self.close(" in inspect.getsource(engine_socket_module.Socket.receive)
    close = inspect.getsource(engine_socket_module.Socket.close)
    assert "self.queue.put(None)" in close and "self.queue.join()" in close
