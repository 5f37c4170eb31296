"""The Socket.IO event handlers of namespace ``/`` (CONTRACT.md §5)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import socketio

from gateway.application.connections import Connections
from gateway.application.subscriptions import Ack, Subscriptions, refuse

log = logging.getLogger(__name__)


def guarded(
    event: str, sid: str, args: tuple[Any, ...], handle: Callable[[str, object], Ack]
) -> Ack:
    """Run ``handle`` with the one payload; every outcome is an ack, never a lost call."""
    if len(args) > 1:
        return refuse("bad_request", f"{event} takes one object argument")
    try:
        return handle(sid, args[0] if args else None)
    except Exception:
        log.exception("unexpected error in a handler", extra={"event": event, "sid": sid})
        return refuse("unavailable", "the gateway could not handle this request; retry")


def register_handlers(
    sio: socketio.Server, connections: Connections, subscriptions: Subscriptions
) -> None:
    """Bind ``connect``, ``disconnect``, ``subscribe`` and ``unsubscribe``.

    A handler's return value is the ack; ``connect`` refuses by raising
    ``socketio.exceptions.ConnectionRefusedError``.
    """

    def on_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        connections.connect(sid, auth)

    def on_disconnect(sid: str, reason: str | None = None) -> None:
        connections.disconnect(sid, reason)

    # Clients may send any number of arguments: more than one is a bad request, answered
    # like any other (found by the fuzz suite: it used to raise TypeError and never ack).
    def on_subscribe(sid: str, *args: Any) -> dict[str, Any]:
        return guarded("subscribe", sid, args, subscriptions.subscribe)

    def on_unsubscribe(sid: str, *args: Any) -> dict[str, Any]:
        return guarded("unsubscribe", sid, args, subscriptions.unsubscribe)

    sio.on("connect", on_connect)
    sio.on("disconnect", on_disconnect)
    sio.on("subscribe", on_subscribe)
    sio.on("unsubscribe", on_unsubscribe)
