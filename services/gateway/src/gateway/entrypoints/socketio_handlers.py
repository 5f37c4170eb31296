"""The Socket.IO event handlers of namespace ``/`` (CONTRACT.md §5)."""

from __future__ import annotations

from typing import Any

import socketio

from gateway.application.connections import Connections
from gateway.application.subscriptions import Subscriptions


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

    def on_subscribe(sid: str, payload: Any = None) -> dict[str, Any]:
        return subscriptions.subscribe(sid, payload)

    def on_unsubscribe(sid: str, payload: Any = None) -> dict[str, Any]:
        return subscriptions.unsubscribe(sid, payload)

    sio.on("connect", on_connect)
    sio.on("disconnect", on_disconnect)
    sio.on("subscribe", on_subscribe)
    sio.on("unsubscribe", on_unsubscribe)
