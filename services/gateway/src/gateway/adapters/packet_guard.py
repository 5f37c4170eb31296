"""The Socket.IO server, hardened against malformed client packets.

python-socketio (5.18, pinned in uv.lock) indexes an event packet's data before checking
it, so a frame like ``42`` or ``42{}`` raised ``TypeError`` inside engine.io's handler: no
crash, but one traceback logged per frame (found by tests/security/test_gateway_fuzz.py).
:class:`GuardedServer` drops such packets first. Frames it cannot decode at all (``42[``, an
unannounced binary attachment, ...) raised inside engine.io too; they are dropped with one
log line. It overrides three private methods, ``_handle_eio_message``, ``_handle_event``
and ``_handle_eio_connect`` (where each new engine.io socket is handed to
``engine_sockets.adopt``, so that it is freed as soon as it closes);
tests/unit/test_gateway_rules.py checks they still exist with these signatures.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from gateway.adapters.engine_sockets import adopt

log = logging.getLogger(__name__)


def is_event_data(data: Any) -> bool:
    """An event packet's data: a non-empty list whose first item is the event name."""
    return isinstance(data, list) and bool(data) and isinstance(data[0], str)


#: What python-socketio raises on a frame it cannot decode (broken JSON, a bad ack id, a
#: binary attachment nobody announced, a packet type only servers send, ...).
MALFORMED = (ValueError, TypeError, IndexError, KeyError, RecursionError, UnicodeError)


class GuardedServer(socketio.Server):  # type: ignore[misc]
    """``socketio.Server`` that ignores packets it cannot decode or that name no event."""

    def _handle_eio_connect(self, eio_sid: str, environ: Any) -> Any:
        engine_socket = self.eio.sockets.get(eio_sid)
        if engine_socket is not None:
            adopt(engine_socket)  # memory: freed at close, not 25 s later (engine_sockets/)
        return super()._handle_eio_connect(eio_sid, environ)

    def _handle_eio_message(self, eio_sid: str, data: Any) -> Any:
        try:
            return super()._handle_eio_message(eio_sid, data)
        except MALFORMED as exc:
            # One line, no traceback: a client sending garbage must not flood the logs.
            log.info(
                "malformed packet dropped",
                extra={"eio_sid": eio_sid, "error": type(exc).__name__},
            )
            return None

    def _handle_event(self, eio_sid: str, namespace: str | None, id: Any, data: Any) -> Any:
        if not is_event_data(data):
            log.debug("malformed event packet dropped", extra={"eio_sid": eio_sid})
            return None
        return super()._handle_event(eio_sid, namespace, id, data)


def library_logger(name: str) -> logging.Logger:
    """A library logger that goes through our JSON root handler only (passing a logger
    object stops python-socketio/engine.io adding a plain-text handler of their own).
    ERROR only: their warnings are about what clients sent ("not connected to namespace"),
    one per frame, which a client could use to flood the logs."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.ERROR)
    return logger


class JsonErrorStream:
    """``wsgi.errors`` as one JSON log line per write: eventlet's websocket writes client
    hang-ups there ("socket shutdown error"), which went to stderr as plain text."""

    def write(self, text: str) -> None:
        if text.strip():
            log.info("wsgi error stream", extra={"detail": text.strip()[:500]})

    def flush(self) -> None:
        pass


def with_json_errors(app: Any) -> Any:
    """Wrap a WSGI app so that what the server writes to ``wsgi.errors`` is JSON."""
    stream = JsonErrorStream()

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.errors"] = stream
        return app(environ, start_response)

    return wrapped
