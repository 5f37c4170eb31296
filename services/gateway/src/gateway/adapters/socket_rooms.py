"""The Socket.IO server as the fan-out sees it: rooms, emits, and per-client backlogs.

This is the one module that reaches into python-socketio/engine.io internals (the
engine.io socket's outgoing queue), to measure how far behind a client is and to close a
slow one without waiting for it. Everything else talks to :class:`SocketRooms`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import socketio
from engineio import exceptions as engine_errors
from engineio import socket as engine_socket_module

log = logging.getLogger(__name__)

NAMESPACE = "/"
EVENT = "event"
# python-engineio clients refuse a polling payload of more than 16 packets
# (engineio.payload.Payload.max_decode_packets), so no response may carry more.
MAX_PACKETS_PER_POLL = 16


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


class SocketRooms:
    """Rooms named after channels; one emit per event, encoded once for all recipients."""

    def __init__(self, sio: socketio.Server) -> None:
        self.sio = sio

    def deliver(self, envelope: Mapping[str, Any], rooms: list[str], skip: Iterable[str]) -> None:
        """Send ``envelope`` once to every connection in any of ``rooms`` except ``skip``.

        python-socketio merges the rooms' participants (so each connection gets it once) and
        encodes the packet once when no ack callback is asked for.
        """
        skipped = list(skip)
        self.sio.emit(EVENT, envelope, to=rooms, skip_sid=skipped or None, namespace=NAMESPACE)

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

    # -- engine.io internals ---------------------------------------------------------------

    def _engine_socket(self, sid: str) -> Any:
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE)
        return self.sio.eio.sockets.get(eio_sid) if eio_sid else None

    def cap_polls(self, sid: str) -> None:
        """Make ``sid``'s engine.io socket hand out bounded polling payloads."""
        engine_socket = self._engine_socket(sid)
        if engine_socket is not None and type(engine_socket) is engine_socket_module.Socket:
            engine_socket.__class__ = CappedPollSocket

    def backlog(self, sid: str) -> int:
        """Packets queued for ``sid`` that its transport has not taken yet."""
        engine_socket = self._engine_socket(sid)
        return engine_socket.queue.qsize() if engine_socket is not None else 0

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
        if engine_socket is None:
            return 0
        dropped = 0
        while not engine_socket.queue.empty():
            engine_socket.queue.get_nowait()
            engine_socket.queue.task_done()
            dropped += 1
        return dropped

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
