"""Bounded polling payloads and the per-client queue (backlogs) of engine.io sockets."""

from __future__ import annotations

from typing import Any

from engineio import exceptions as engine_errors
from engineio import socket as engine_socket_module

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
