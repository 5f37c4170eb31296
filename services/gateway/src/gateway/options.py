"""The gateway's own tuning knobs (``GATEWAY_*``), beside the shared settings of §2.

They are not part of the contract, so they live here rather than in
``todo_shared.config``; docs/gateway.md lists them. A wrong value is a one-line exit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from todo_shared.config import ConfigError


@dataclass(frozen=True)
class GatewayOptions:
    """Limits that protect the gateway and its clients from each other."""

    #: Packets waiting for one client before it is disconnected as ``slow_consumer``.
    client_queue_limit: int = 5000
    #: Concurrent HTTP/WebSocket connections the WSGI server serves (eventlet ``max_size``).
    max_connections: int = 10_000
    #: Subscribe/unsubscribe burst per connection, and its refill per second.
    subscribe_burst: int = 50
    subscribe_rate: float = 10.0
    #: Channels one connection may hold at once.
    max_subscriptions: int = 200
    #: Connections one user (by realtime token) may hold on this process.
    max_connections_per_user: int = 20
    #: Seconds SIGTERM waits for clients to go before the process exits anyway.
    shutdown_grace: float = 10.0
    #: Events per ``GET /api/events`` page during catch-up and gap filling.
    catch_up_page: int = 1000
    #: Seconds between two presence heartbeats to the other gateways (CONTRACT.md §6).
    presence_interval: float = 3.0
    #: Presence at all (CONTRACT.md §6): off, the gateway sends no ``presence`` events,
    #: opens no presence connection and announces nothing (docs/gateway.md).
    presence_enabled: bool = True
    #: Share the port with other gateway processes (``SO_REUSEPORT``: one process per core);
    #: for WebSocket-only clients, since the kernel spreads TCP connections, not sessions.
    reuse_port: bool = False


_INT_LIMITS = {
    "client_queue_limit": ("GATEWAY_CLIENT_QUEUE_LIMIT", 10, 1_000_000),
    "max_connections": ("GATEWAY_MAX_CONNECTIONS", 10, 1_000_000),
    "subscribe_burst": ("GATEWAY_SUBSCRIBE_BURST", 1, 100_000),
    "max_subscriptions": ("GATEWAY_MAX_SUBSCRIPTIONS", 1, 100_000),
    "max_connections_per_user": ("GATEWAY_MAX_CONNECTIONS_PER_USER", 1, 1_000_000),
}
_FLOAT_LIMITS = {
    "subscribe_rate": ("GATEWAY_SUBSCRIBE_RATE", 0.1, 100_000.0),
    "shutdown_grace": ("GATEWAY_SHUTDOWN_GRACE", 0.0, 600.0),
    "presence_interval": ("GATEWAY_PRESENCE_INTERVAL", 0.2, 30.0),
}
_BOOLS = {"presence_enabled": "GATEWAY_PRESENCE_ENABLED", "reuse_port": "GATEWAY_REUSE_PORT"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def load_options(env: Mapping[str, str] | None = None) -> GatewayOptions:
    """Read ``GATEWAY_*`` variables; raises :class:`ConfigError` on a wrong value."""
    env = os.environ if env is None else env
    values: dict[str, float | int | bool] = {}
    for field, (name, low, high) in {**_INT_LIMITS, **_FLOAT_LIMITS}.items():
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value: float | int = int(raw) if field in _INT_LIMITS else float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
        values[field] = value
    for field, name in _BOOLS.items():
        raw = env.get(name, "").strip().lower()
        if not raw:
            continue
        if raw not in _TRUE | _FALSE:
            raise ConfigError(f"{name} must be 1 or 0 (true/false), got {raw!r}")
        values[field] = raw in _TRUE
    return GatewayOptions(**values)  # type: ignore[arg-type]
