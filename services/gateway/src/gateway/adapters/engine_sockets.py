"""Engine.IO sockets that let go of their memory as soon as they close.

python-engineio (4.15, pinned in uv.lock) starts one background task per socket that
sleeps the whole ping interval (25 s) before sending the next ping, and that task holds
the socket — its queue, its events, the green thread itself — until it wakes, even when
the socket closed right after connecting. Every connection closed in the last 25 s so
kept about 10 KB (found by tests/security/test_gateway_fuzz.py: 3,000 connections churned
in 10 s were all still alive afterwards, RSS +30 MB). :class:`ReleasingSocket` waits on
an event instead, which :meth:`ReleasingSocket.close` sets: the task ends and the socket
is freed at once. A closed long-polling socket also stayed in the server's table until a
sweep that takes one ping timeout (20 s) per pass; close removes it there too.

This module reaches into engine.io internals (``Socket._send_ping``, ``Socket.close`` and
the class of a live socket); tests/unit/test_gateway_engine_sockets.py checks they are
still what this code assumes. It also counts the engine.io socket objects still alive,
closed or not (``gateway_engineio_sockets_alive``), which is how the churn test sees a
retention like the one above.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from engineio import packet
from engineio import socket as engine_socket_module
from prometheus_client import Gauge

from gateway.adapters.socket_rooms import CappedPollSocket

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
            self.send(packet.Packet(packet.PING))

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
