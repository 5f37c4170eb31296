"""Direct writes: one WebSocket frame per event, written straight to each idle client."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

_EXTENSIONS_HEADER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


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
        return False  # broken: the writer (drainer) finds out and closes the socket
    if sent < len(frame):
        lock.acquire(blocking=False)  # free (checked above), so this cannot block
        spawn(_finish, lane, memoryview(frame)[sent:])
    return True


def _finish(lane: Lane, rest: memoryview) -> None:
    try:
        lane.ws.socket.sendall(rest)
    except OSError:
        pass  # the connection broke; the reader or the writer (drainer) closes it
    finally:
        lane.lock.release()
