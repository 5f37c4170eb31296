"""The Socket.IO server as the fan-out sees it: rooms, emits, and per-client backlogs.

Everything here goes through python-socketio's public API, except what
:mod:`gateway.adapters.engine_sockets` does: the one module that reaches into engine.io and
eventlet WebSocket internals (direct writes of a frame built once per event, backlogs,
bounded polls, closing a slow client without waiting for it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import socketio
from engineio import packet as engine_packet
from socketio import packet as socket_packet

from gateway.adapters import engine_sockets

log = logging.getLogger(__name__)

NAMESPACE = "/"
EVENT = "event"


class SocketRooms:
    """Rooms named after channels; one emit per event, encoded once for all recipients."""

    def __init__(self, sio: socketio.Server) -> None:
        self.sio = sio

    def deliver(self, envelope: Mapping[str, Any], rooms: list[str], skip: Iterable[str]) -> None:
        """Send ``envelope`` once to every connection in any of ``rooms`` except ``skip``.

        The Socket.IO packet is encoded once (python-socketio's encoder) and framed once;
        each WebSocket client with nothing waiting gets the frame written straight to its
        socket, every other client (polling, busy, closing) gets the packet queued as
        ``sio.emit`` would.
        """
        skipped = set(skip)
        text = self.sio.packet_class(
            socket_packet.EVENT, namespace=NAMESPACE, data=[EVENT, envelope]
        ).encode()
        if not isinstance(text, str):  # binary attachments (never from JSON): library's way
            self.sio.emit(EVENT, envelope, to=rooms, skip_sid=list(skipped), namespace=NAMESPACE)
            return
        frame = engine_sockets.websocket_frame("4" + text)
        queued = engine_packet.Packet(engine_packet.MESSAGE, text)
        sockets = self.sio.eio.sockets
        spawn = self.sio.start_background_task
        write_now = engine_sockets.write_now
        for sid, eio_sid in self.sio.manager.get_participants(NAMESPACE, rooms):
            if sid in skipped:
                continue
            engine_socket = sockets.get(eio_sid)
            if engine_socket is None or engine_socket.closed:
                continue
            if not write_now(engine_socket, frame, spawn):
                engine_socket.send(queued)

    def deliver_to(self, sid: str, envelope: Mapping[str, Any]) -> None:
        self.sio.emit(EVENT, envelope, to=sid, namespace=NAMESPACE)

    def notify(self, sid: str, event: str, data: Mapping[str, Any]) -> None:
        self.sio.emit(event, data, to=sid, namespace=NAMESPACE)

    def notify_all(self, sids: Sequence[str], event: str, data: Mapping[str, Any]) -> None:
        """One emit of ``event`` to several connections (each sid is its own room)."""
        self.sio.emit(event, data, to=list(sids), namespace=NAMESPACE)

    def join(self, sid: str, channel: str) -> None:
        self.sio.enter_room(sid, channel, namespace=NAMESPACE)

    def leave(self, sid: str, channel: str) -> None:
        self.sio.leave_room(sid, channel, namespace=NAMESPACE)

    # -- engine.io sockets (through gateway.adapters.engine_sockets) ----------------------

    def _engine_socket(self, sid: str) -> Any:
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE)
        return self.sio.eio.sockets.get(eio_sid) if eio_sid else None

    def cap_polls(self, sid: str) -> None:
        """Make ``sid``'s engine.io socket hand out bounded polling payloads."""
        engine_socket = self._engine_socket(sid)
        if engine_socket is not None:
            engine_sockets.cap_polls(engine_socket)

    def backlog(self, sid: str) -> int:
        """Packets queued for ``sid`` that its transport has not taken yet."""
        engine_socket = self._engine_socket(sid)
        return engine_sockets.backlog(engine_socket) if engine_socket is not None else 0

    def wait_for_room(self, sid: str, limit: int, timeout: float) -> bool:
        """Wait until ``sid``'s backlog is at most ``limit``; False if it stayed above."""
        deadline = time.monotonic() + timeout
        while self.backlog(sid) > limit:
            if time.monotonic() > deadline or self._engine_socket(sid) is None:
                return False
            self.sio.sleep(0.05)
        return True

    def discard_backlog(self, sid: str) -> int:
        """Throw away what is queued for ``sid`` (it is being disconnected); returns how many."""
        engine_socket = self._engine_socket(sid)
        return engine_sockets.discard_backlog(engine_socket) if engine_socket is not None else 0

    def close_transport(self, sid: str) -> None:
        """Close ``sid``'s engine.io connection without waiting for it to drain.

        A transport close (not a Socket.IO ``disconnect``) makes the official clients
        reconnect on their own, which is what both shutdown and ``slow_consumer`` want.
        """
        engine_socket = self._engine_socket(sid)
        if engine_socket is not None:
            engine_socket.close(wait=False, abort=False, reason=self.sio.reason.SERVER_DISCONNECT)

    def transports_open(self) -> int:
        return len(self.sio.eio.sockets)
