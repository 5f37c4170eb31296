"""The engine.io sockets under python-socketio: the one module that reaches into the internals
of python-engineio (4.15.1) and of eventlet's WebSocket (0.41.3), both pinned in uv.lock.

Why: a broadcast through the library puts one packet on every client's queue, which wakes
one writer green thread per client to frame and send it (two context switches, a hub timer
and a frame per delivery). Here the frame is built once per event and written straight to
each WebSocket client's socket when nothing is waiting for that client; anything else goes
the library's way, so order holds. The internals used, checked by
tests/unit/test_gateway_engine_sockets.py so an upgrade that moves them fails there:

- ``engineio.socket.Socket``: ``queue`` (what the writer has not taken yet), ``poll()``,
  ``upgraded``/``upgrading``/``closing``/``closed``, ``check_ping_timeout()``,
  ``_websocket_handler(ws)`` (reached through ``server._async['websocket']``, whose first
  argument is that bound handler);
- eventlet's ``RFC6455WebSocket``: ``socket`` (a ``GreenSocket`` whose ``fd`` is the real,
  non-blocking socket), ``_sendlock`` (held while a frame is being written, with
  ``_waiters`` queued for it), ``websocket_closed``.

- (memory) ``Socket._send_ping`` and ``Socket.close``: :class:`ReleasingSocket` ends a
  closed socket's ping task at once (see its docstring).

``permessage-deflate`` is not negotiated (as in Node's Socket.IO, whose default is off):
compression is per connection, so one frame could not serve every client.
"""

from __future__ import annotations

import struct
import time
import weakref
from collections.abc import Callable
from typing import Any

from engineio import exceptions as engine_errors
from engineio import packet as engine_packet
from engineio import socket as engine_socket_module
from prometheus_client import Gauge

# python-engineio clients refuse a polling payload of more than 16 packets
# (engineio.payload.Payload.max_decode_packets), so no response may carry more.
MAX_PACKETS_PER_POLL = 16
_EXTENSIONS_HEADER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


class CappedPollSocket(engine_socket_module.Socket):  # type: ignore[misc]
    """An engine.io socket whose poll hands out at most ``MAX_PACKETS_PER_POLL`` packets.

    The rest stays queued for the next poll (or the next websocket write).
    """

    def poll(self) -> list[Any]:
        queue_empty = self.server.get_queue_empty_exception()
        try:
            packets = [self.queue.get(timeout=self.server.ping_interval + self.server.ping_timeout)]
            self.queue.task_done()
        except queue_empty:
            raise engine_errors.QueueEmpty() from None
        if packets == [None]:
            return []
        while len(packets) < MAX_PACKETS_PER_POLL:
            try:
                packet = self.queue.get(block=False)
            except queue_empty:
                break
            self.queue.task_done()
            if packet is None:
                self.queue.put(None)
                break
            packets.append(packet)
        return packets


def cap_polls(engine_socket: Any) -> None:
    """Make ``engine_socket`` hand out bounded polling payloads."""
    if type(engine_socket) is engine_socket_module.Socket:
        engine_socket.__class__ = CappedPollSocket


def backlog(engine_socket: Any) -> int:
    """Packets queued for the socket that its transport has not taken yet."""
    return int(engine_socket.queue.qsize())


def backlogged(sockets: dict[str, Any], limit: int) -> list[str]:
    """The engine.io sids among ``sockets`` with more than ``limit`` packets queued."""
    return [eio_sid for eio_sid, s in list(sockets.items()) if s.queue.qsize() > limit]


def discard_backlog(engine_socket: Any) -> int:
    """Throw away what is queued (the client is being disconnected); returns how many."""
    dropped = 0
    while not engine_socket.queue.empty():
        engine_socket.queue.get_nowait()
        engine_socket.queue.task_done()
        dropped += 1
    return dropped


# -- direct writes ---------------------------------------------------------------------------


def websocket_frame(text: str) -> bytes:
    """One unmasked, uncompressed, final RFC 6455 text frame carrying ``text``."""
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload


class Lane:
    """What a direct write to one WebSocket client needs (set while its handler runs)."""

    __slots__ = ("fd", "lock", "ws")

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.lock = ws._sendlock
        self.fd = ws.socket.fd

    @classmethod
    def of(cls, ws: Any) -> Lane | None:
        """A lane for eventlet's RFC6455WebSocket on a plain green socket; else ``None``."""
        sock = getattr(ws, "socket", None)
        fd = getattr(sock, "fd", None)
        if fd is None or not hasattr(ws, "_sendlock") or ws.extensions:
            return None
        if getattr(sock, "act_non_blocking", True) or fd.gettimeout() != 0.0:
            return None  # not the non-blocking descriptor a green socket wraps
        return cls(ws)


def install(eio: Any) -> None:
    """Let ``eio`` (an ``engineio.Server``) record a :class:`Lane` on each WebSocket client's
    engine.io socket and refuse ``permessage-deflate``. Call once, before serving."""
    base = eio._async["websocket"]
    if base is None:
        return

    class LaneWebSocket(base):  # type: ignore[misc, valid-type]
        def __init__(self, handler: Callable[[Any], Any], server: Any) -> None:
            engine_socket = getattr(handler, "__self__", None)

            def with_lane(ws: Any) -> Any:
                if engine_socket is not None:
                    engine_socket.gateway_lane = Lane.of(ws)
                try:
                    return handler(ws)
                finally:
                    if engine_socket is not None:
                        engine_socket.gateway_lane = None

            super().__init__(with_lane, server)

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            environ.pop(_EXTENSIONS_HEADER, None)  # no permessage-deflate: one frame for all
            return super().__call__(environ, start_response)

    eio._async = {**eio._async, "websocket": LaneWebSocket}


def write_now(engine_socket: Any, frame: bytes, spawn: Callable[..., Any]) -> bool:
    """Write ``frame`` to the client at once if that keeps order and does not block.

    True when the frame is (or is being) written; False when it must go the library's way
    (nothing was written): a polling client, packets still queued or being written for this
    client, a closing socket, or a kernel buffer that takes nothing now. A frame the kernel
    takes in part is finished by ``spawn`` (a green thread) holding the socket's send lock,
    so whatever comes next for the client waits behind it.
    """
    lane = getattr(engine_socket, "gateway_lane", None)
    if (
        lane is None
        or not engine_socket.upgraded
        or engine_socket.upgrading
        or engine_socket.closing
        or engine_socket.closed
        or engine_socket.queue.qsize()
    ):
        return False
    lock = lane.lock
    if lock.counter <= 0 or lock._waiters or lane.ws.websocket_closed:
        return False
    if not engine_socket.check_ping_timeout():
        return True  # the library closes the socket; nothing more to send
    try:
        sent = lane.fd.send(frame)
    except BlockingIOError:
        return False
    except OSError:
        return False  # broken: the writer finds out and closes the socket
    if sent < len(frame):
        lock.acquire(blocking=False)  # free (checked above), so this cannot block
        spawn(_finish, lane, memoryview(frame)[sent:])
    return True


def _finish(lane: Lane, rest: memoryview) -> None:
    try:
        lane.ws.socket.sendall(rest)
    except OSError:
        pass  # the connection broke; the reader or the writer closes it
    finally:
        lane.lock.release()


# -- freeing closed sockets at once ----------------------------------------------------------
#
# python-engineio starts one background task per socket that sleeps the whole ping interval
# (25 s) before sending the next ping, and that task holds the socket (its queue, its events,
# the green thread itself) until it wakes, even when the socket closed right after
# connecting: every connection closed in the last 25 s kept about 10 KB (found by
# tests/security/test_gateway_fuzz.py: 3,000 connections churned in 10 s were all still
# alive afterwards, RSS +30 MB). :class:`ReleasingSocket` waits on an event instead, which
# its ``close`` sets. A closed long-polling socket also stayed in the server's table until a
# sweep that takes one ping timeout (20 s) per pass; close removes it there too.
# ``gateway_engineio_sockets_alive`` counts the socket objects still alive, closed or not.

#: Every engine.io socket adopted and not yet garbage-collected.
ALIVE: weakref.WeakSet[Any] = weakref.WeakSet()

SOCKETS_ALIVE = Gauge(
    "gateway_engineio_sockets_alive",
    "Engine.IO socket objects not yet freed (open ones, and closed ones something still holds)",
)
SOCKETS_ALIVE.set_function(lambda: len(ALIVE))


class ReleasingSocket(CappedPollSocket):
    """An engine.io socket whose ping task ends when the socket closes.

    It keeps :class:`CappedPollSocket`'s bounded polling payloads (``SocketRooms.cap_polls``
    leaves a socket alone once it is of this class).
    """

    _released: Any  # an event of the server's async mode, set on close

    def _send_ping(self) -> None:
        # engineio.socket.Socket._send_ping, with an interruptible wait instead of sleep()
        if self._released.wait(self.server.ping_interval):
            return
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            self.send(engine_packet.Packet(engine_packet.PING))

    def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        try:
            super().close(wait=wait, abort=abort, reason=reason)
        finally:
            self._released.set()
            # engine.io forgets a closed websocket at once, but a closed polling socket only
            # when its sweep (one pass per ping timeout, 20 s) or a request with its sid
            # comes by; both would answer a request for it 400 anyway.
            if self.closed and self.server.sockets.get(self.sid) is self:
                del self.server.sockets[self.sid]


def adopt(engine_socket: Any) -> None:
    """Count ``engine_socket`` and make it a :class:`ReleasingSocket` (before its first ping).

    Called from the engine.io ``connect`` event, which engine.io triggers after creating
    the socket and before it schedules the first ping.
    """
    ALIVE.add(engine_socket)
    if type(engine_socket) is engine_socket_module.Socket:
        engine_socket._released = engine_socket.server.create_event()
        engine_socket.__class__ = ReleasingSocket
