"""The Socket.IO server as the fan-out sees it: rooms, emits, and per-client backlogs.

Everything here goes through python-socketio's public API, except what
:mod:`gateway.adapters.engine_sockets` does: the one module that reaches into engine.io and
eventlet WebSocket internals (direct writes of a frame built once per event, backlogs,
bounded polls, closing a slow client without waiting for it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import socketio
from engineio import packet as engine_packet
from socketio import packet as socket_packet

from gateway import metrics
from gateway.adapters import engine_sockets

log = logging.getLogger(__name__)

NAMESPACE = "/"
EVENT = "event"


class SocketRooms:
    """Rooms named after channels; one emit per event, encoded once for all recipients."""

    def __init__(self, sio: socketio.Server) -> None:
        self.sio = sio
        # While a burst is open: the events collected, and per engine.io sid their indexes.
        self._bursting = False
        self._events: list[tuple[bytes, engine_packet.Packet]] = []
        self._pending: dict[str, list[int]] = {}

    def deliver(self, envelope: Mapping[str, Any], rooms: list[str], skip: Iterable[str]) -> None:
        """Send ``envelope`` once to every connection in any of ``rooms`` except ``skip``.

        The Socket.IO packet is encoded once (python-socketio's encoder) and framed once;
        each WebSocket client with nothing waiting gets the frame written straight to its
        socket, every other client (polling, busy, closing) gets the packet queued as
        ``sio.emit`` would. Inside :meth:`burst` the writes wait for the burst's end.
        """
        skipped = set(skip)
        text = self.sio.packet_class(
            socket_packet.EVENT, namespace=NAMESPACE, data=[EVENT, envelope]
        ).encode()
        if not isinstance(text, str):  # binary attachments (never from JSON): library's way
            self.flush()
            self.sio.emit(EVENT, envelope, to=rooms, skip_sid=list(skipped), namespace=NAMESPACE)
            return
        item = (
            engine_sockets.websocket_frame("4" + text),
            engine_packet.Packet(engine_packet.MESSAGE, text),
        )
        participants = self.sio.manager.get_participants(NAMESPACE, rooms)
        if self._bursting:
            index = len(self._events)
            self._events.append(item)
            pending = self._pending
            for sid, eio_sid in participants:
                if sid not in skipped:
                    if eio_sid in pending:
                        pending[eio_sid].append(index)
                    else:
                        pending[eio_sid] = [index]
            return
        self._write_each((eio_sid for sid, eio_sid in participants if sid not in skipped), *item)

    def _write_each(
        self, eio_sids: Iterable[str], frame: bytes, queued: engine_packet.Packet
    ) -> None:
        """Write ``frame`` to each client directly where that keeps order, else queue it."""
        sockets = self.sio.eio.sockets
        spawn = self.sio.start_background_task
        write_now = engine_sockets.write_now
        direct = slow = 0
        failed: list[Any] = []
        for eio_sid in eio_sids:
            engine_socket = sockets.get(eio_sid)
            if engine_socket is None or engine_socket.closed:
                continue
            try:
                if write_now(engine_socket, frame, spawn):
                    direct += 1
                else:
                    engine_socket.send(queued)
                    slow += 1
            except Exception:  # one client's failure must not cost the others the event
                failed.append(self._failed(engine_socket))
        metrics.DIRECT_WRITES.inc(direct)
        metrics.QUEUED_WRITES.inc(slow)
        self._close_failed(failed)

    @contextmanager
    def burst(self) -> Iterator[None]:
        """Deliveries inside go out at the end, each client's frames in one write.

        The caller must not yield to other green threads inside (or :meth:`flush` first);
        every other send of this class flushes first, so order holds per client.
        """
        if self._bursting:
            yield
            return
        self._bursting = True
        try:
            yield
        finally:
            self._bursting = False
            self.flush()

    def flush(self) -> None:
        """Write what the open burst collected (one write per client where possible)."""
        if not self._pending:
            self._events.clear()
            return
        events, pending = self._events, self._pending
        self._events, self._pending = [], {}
        sockets = self.sio.eio.sockets
        spawn = self.sio.start_background_task
        write_now = engine_sockets.write_now
        joined: dict[tuple[int, ...], bytes] = {}  # the clients of one room share a sequence
        direct = slow = 0
        failed: list[Any] = []
        for eio_sid, indexes in pending.items():
            engine_socket = sockets.get(eio_sid)
            if engine_socket is None or engine_socket.closed:
                continue
            try:
                if len(indexes) == 1:
                    frame = events[indexes[0]][0]
                else:
                    key = tuple(indexes)
                    frame = joined.get(key) or joined.setdefault(
                        key, b"".join(events[i][0] for i in indexes)
                    )
                if write_now(engine_socket, frame, spawn):
                    direct += 1
                else:
                    for i in indexes:
                        engine_socket.send(events[i][1])
                    slow += len(indexes)
            except Exception:  # one client's failure must not cost the others the events
                failed.append(self._failed(engine_socket))
        metrics.DIRECT_WRITES.inc(direct)
        metrics.QUEUED_WRITES.inc(slow)
        self._close_failed(failed)

    @staticmethod
    def _failed(engine_socket: Any) -> Any:
        log.exception(
            "delivery to a connection failed; closing it so it resumes",
            extra={"eio_sid": getattr(engine_socket, "sid", None)},
        )
        metrics.DELIVERY_FAILURES.labels("write").inc()
        return engine_socket

    def _close_failed(self, failed: list[Any]) -> None:
        """Close the transports a delivery failed on (after the loop: closing runs the
        disconnect handlers). The clients reconnect and resume with ``since``."""
        for engine_socket in failed:
            try:
                engine_socket.close(
                    wait=False, abort=True, reason=self.sio.reason.SERVER_DISCONNECT
                )
            except Exception:
                log.exception("closing a failed connection failed")

    def deliver_to(self, sid: str, envelope: Mapping[str, Any]) -> None:
        self.flush()
        self.sio.emit(EVENT, envelope, to=sid, namespace=NAMESPACE)

    def notify(self, sid: str, event: str, data: Mapping[str, Any]) -> None:
        self.flush()
        self.sio.emit(event, data, to=sid, namespace=NAMESPACE)

    def notify_all(self, sids: Sequence[str], event: str, data: Mapping[str, Any]) -> None:
        """``event`` to several connections, the way :meth:`deliver` sends events.

        Encoded and framed once; written straight to each WebSocket client with nothing
        waiting, queued for every other one (so order holds per client).
        """
        self.flush()
        text = self.sio.packet_class(
            socket_packet.EVENT, namespace=NAMESPACE, data=[event, data]
        ).encode()
        if not isinstance(text, str):  # binary attachments (never from JSON): library's way
            self.sio.emit(event, data, to=list(sids), namespace=NAMESPACE)
            return
        eio_sid_of = self.sio.manager.eio_sid_from_sid
        eio_sids = (eio_sid_of(sid, NAMESPACE) for sid in sids)
        self._write_each(
            (eio_sid for eio_sid in eio_sids if eio_sid is not None),
            engine_sockets.websocket_frame("4" + text),
            engine_packet.Packet(engine_packet.MESSAGE, text),
        )

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

    def backlogged(self, limit: int) -> list[str]:
        """Connections with more than ``limit`` packets queued (one pass over the sockets)."""
        over = engine_sockets.backlogged(self.sio.eio.sockets, limit)
        sids = (self.sio.manager.sid_from_eio_sid(eio_sid, NAMESPACE) for eio_sid in over)
        return [sid for sid in sids if sid is not None]

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
        self.flush()
        engine_socket = self._engine_socket(sid)
        return engine_sockets.discard_backlog(engine_socket) if engine_socket is not None else 0

    def close_transport(self, sid: str) -> None:
        """Close ``sid``'s engine.io connection without waiting for it to drain.

        A transport close (not a Socket.IO ``disconnect``) makes the official clients
        reconnect on their own, which is what both shutdown and ``slow_consumer`` want.
        """
        self.flush()
        engine_socket = self._engine_socket(sid)
        if engine_socket is not None:
            engine_socket.close(wait=False, abort=False, reason=self.sio.reason.SERVER_DISCONNECT)

    def transports_open(self) -> int:
        return len(self.sio.eio.sockets)
