"""The gateway's engine.io socket: freed at close, pinged by the shared scheduler, and over
eventlet's WebSocket served without a writer green thread."""

from __future__ import annotations

import logging
import weakref
from typing import Any

from engineio import exceptions as engine_errors
from engineio import packet as engine_packet
from engineio import socket as engine_socket_module
from prometheus_client import Gauge

from gateway.adapters.engine_sockets.direct import websocket_frame, write_now
from gateway.adapters.engine_sockets.pings import pings_of
from gateway.adapters.engine_sockets.polls import CappedPollSocket

log = logging.getLogger(__name__)

#: What decoding a frame that is no engine.io packet raises (``"x"``, ``""``, ...).
MALFORMED = (ValueError, TypeError, IndexError, KeyError, UnicodeError)

# -- freeing closed sockets at once, and one ping task for all of them -----------------------
#
# python-engineio starts one background task per socket that sleeps the whole ping interval
# (25 s) before sending the next ping. That task held the socket (its queue, its events,
# the green thread itself) until it woke, even when the socket closed right after
# connecting: every connection closed in the last 25 s kept about 10 KB (found by
# tests/security/test_gateway_fuzz.py: 3,000 connections churned in 10 s were all still
# alive afterwards, RSS +30 MB). And each open connection paid for a green thread that only
# sleeps (its saved stack, its own Python data stack, a timer). :class:`PingScheduler` sends
# every socket's pings from one background task instead and holds sids, not sockets. A
# closed long-polling socket also stayed in the server's table until a sweep that takes one
# ping timeout (20 s) per pass; close removes it there too.
# ``gateway_engineio_sockets_alive`` counts the socket objects still alive, closed or not.

#: Every engine.io socket adopted and not yet garbage-collected.
ALIVE: weakref.WeakSet[Any] = weakref.WeakSet()

SOCKETS_ALIVE = Gauge(
    "gateway_engineio_sockets_alive",
    "Engine.IO socket objects not yet freed (open ones, and closed ones something still holds)",
)
SOCKETS_ALIVE.set_function(lambda: len(ALIVE))


class ReleasingSocket(CappedPollSocket):
    """An engine.io socket pinged by the server's :class:`PingScheduler`, forgotten by the
    server as soon as it closes, and, over eventlet's WebSocket, without a writer green
    thread while nothing waits for the client.

    engine.io's WebSocket handler starts a writer task per connection that blocks on the
    socket's queue for the connection's whole life. Here (same handshake and reader loop as
    ``Socket._websocket_handler``) a packet is written straight to the socket when nothing
    is queued or being written and the kernel takes it; otherwise it is queued and a
    *drainer* task writes the queue out in order and ends when it is empty. The queue is
    still where a client's backlog is (slow consumers, polling, ``close``'s end marker).

    It keeps :class:`CappedPollSocket`'s bounded polling payloads (``SocketRooms.cap_polls``
    leaves a socket alone once it is of this class).
    """

    last_ping: float | None  # engine.io's: when the unanswered PING went, else None
    gateway_ws: Any = None  # the WebSocket, while this class writes to it
    gateway_drainer: Any = None  # the task writing the queue out, while there is one

    def schedule_ping(self) -> None:
        # engineio.socket.Socket.schedule_ping, with the shared scheduler for the ping task
        if self.last_ping:
            self.last_ping = None
            pings_of(self.server).schedule(self)

    def send(self, pkt: Any) -> None:
        if self.gateway_ws is None:
            return super().send(pkt)  # type: ignore[no-any-return]
        if not self.check_ping_timeout():
            return None
        if self.gateway_drainer is None:
            text = pkt.encode()
            if isinstance(text, str) and write_now(
                self, websocket_frame(text), self.server.start_background_task
            ):
                return None
        self.queue.put(pkt)
        self._drain()
        return None

    def _drain(self) -> None:
        if self.gateway_drainer is None and self.gateway_ws is not None:
            self.gateway_drainer = self.server.start_background_task(self._write_queue)

    def _write_queue(self) -> None:
        """The drainer: what engine.io's writer does, until the queue is empty."""
        ws = self.gateway_ws
        queue_empty = self.server.get_queue_empty_exception()
        try:
            while True:
                try:
                    pkt = self.queue.get(block=False)
                except queue_empty:
                    return
                self.queue.task_done()
                if pkt is None:
                    break  # closed: close the WebSocket, as engine.io's writer does
                try:
                    ws.send(pkt.encode())
                except Exception:
                    break
            self.gateway_ws = None
            ws.close()
        finally:
            self.gateway_drainer = None

    def _websocket_handler(self, ws: Any) -> list[Any]:
        if getattr(self, "gateway_lane", None) is None:  # not eventlet's WebSocket
            return super()._websocket_handler(ws)  # type: ignore[no-any-return]
        return _serve_websocket(self, ws)

    def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        writing = self.gateway_ws is not None
        try:
            super().close(wait=wait and not writing, abort=abort, reason=reason)
            if writing:
                self._drain()  # the CLOSE packet and the end marker
                if wait:
                    self.queue.join()
        finally:
            # engine.io forgets a closed websocket at once, but a closed polling socket only
            # when its sweep (one pass per ping timeout, 20 s) or a request with its sid
            # comes by; both would answer a request for it 400 anyway.
            if self.closed and self.server.sockets.get(self.sid) is self:
                del self.server.sockets[self.sid]


def _serve_websocket(self: ReleasingSocket, ws: Any) -> list[Any]:
    """``engineio.socket.Socket._websocket_handler`` without its writer task (see
    :class:`ReleasingSocket`); the rest as there."""
    server = self.server

    def websocket_wait() -> Any:
        data = ws.wait()
        if data and len(data) > server.max_http_buffer_size:
            raise ValueError("packet is too large")
        return data

    ws.socket.settimeout(server.ping_interval + server.ping_timeout)
    if self.connected:  # an upgrade from polling
        self.upgrading = True  # hold packet sends during the upgrade
        decoded = engine_packet.Packet(encoded_packet=websocket_wait())
        if decoded.packet_type != engine_packet.PING or decoded.data != "probe":
            self.upgrading = False
            return []
        ws.send(engine_packet.Packet(engine_packet.PONG, data="probe").encode())
        self.queue.put(engine_packet.Packet(engine_packet.NOOP))  # end the pending poll
        decoded = engine_packet.Packet(encoded_packet=websocket_wait())
        if decoded.packet_type != engine_packet.UPGRADE:
            self.upgraded = False
            self.upgrading = False
            return []
        self.upgraded = True
        self.upgrading = False
    else:
        self.connected = True
        self.upgraded = True
    self.gateway_ws = ws
    if self.queue.qsize():
        self._drain()  # what came before the upgrade (the open packet, the connect ack)
    while True:
        try:
            p = websocket_wait()
        except Exception:
            break
        if p is None:  # closed by the client
            break
        try:
            pkt = engine_packet.Packet(encoded_packet=p)
        except MALFORMED as exc:
            # engine.io lets this escape the handler (the connection just drops); here it
            # ends the connection properly, with one line and no traceback (found by
            # tests/security/test_gateway_fuzz.py: garbage must not flood the logs)
            log.info("malformed engine.io frame", extra={"error": type(exc).__name__})
            break
        try:
            self.receive(pkt)
        except engine_errors.UnknownPacketError:
            pass
        except engine_errors.SocketIsClosedError:
            break
        except Exception:  # as engine.io: log it and close the connection properly
            log.exception("engine.io receive error")
            break
    self.queue.put(None)  # the drainer closes the WebSocket, as engine.io's writer does
    self._drain()
    drainer = self.gateway_drainer
    if drainer is not None:
        drainer.join()
    self.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)
    return []


def adopt(engine_socket: Any) -> None:
    """Count ``engine_socket`` and make it a :class:`ReleasingSocket` (before its first ping).

    Called from the engine.io ``connect`` event, which engine.io triggers after creating
    the socket and before it schedules the first ping.
    """
    ALIVE.add(engine_socket)
    if type(engine_socket) is engine_socket_module.Socket:
        engine_socket.__class__ = ReleasingSocket
