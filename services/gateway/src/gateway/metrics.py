"""Prometheus metrics of the gateway (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("gateway_connections", "Socket.IO connections open now")
SUBSCRIPTIONS = Gauge("gateway_subscriptions", "Channel subscriptions held now")
EVENTS_IN = Counter("gateway_events_in_total", "Events passed on, by origin", ["origin"])
DELIVERIES = Counter("gateway_deliveries_total", "Events handed to connections (one per client)")
WRITES = Counter(
    "gateway_fanout_writes_total",
    "Fan-out sends: written straight to a WebSocket (direct, one per client per burst) "
    "or queued through engine.io (queued, one per event)",
    ["path"],
)
# Bound once: the fan-out counts in bulk, with no label lookup per delivery.
DIRECT_WRITES = WRITES.labels("direct")
QUEUED_WRITES = WRITES.labels("queued")
DROPPED_EVENTS = Counter(
    "gateway_dropped_events_total",
    "Events not passed on (duplicate, invalid, unknown_position, …), by reason",
    ["reason"],
)
DROPPED_CLIENTS = Counter(
    "gateway_dropped_clients_total", "Connections cut off by the gateway, by reason", ["reason"]
)
CLIENT_DROP_REASONS = frozenset({"slow_consumer", "undelivered"})


class _Drops:
    """``DROPS.labels(reason).inc()``: a dropped client or a dropped event, by reason.

    One call site per drop, two metrics: a client cut off is not an event lost.
    """

    def labels(self, reason: str) -> Counter:
        target = DROPPED_CLIENTS if reason in CLIENT_DROP_REASONS else DROPPED_EVENTS
        return target.labels(reason)


DROPS = _Drops()
SUBSCRIBE_REFUSED = Counter(
    "gateway_subscribe_refused_total", "Refused subscribe requests, by code", ["code"]
)
CONNECT_REFUSED = Counter("gateway_connect_refused_total", "Refused connections", ["code"])
GAP_FILLS = Counter("gateway_gap_fills_total", "Gap fills from the API, by trigger", ["trigger"])
BROKER_CONNECTED = Gauge("gateway_broker_connected", "1 while the broker connection is up")
BROKER_RECONNECTS = Counter("gateway_broker_reconnects_total", "broker connections lost")
POSITION = Gauge("gateway_position", "Highest store position passed on")
DELIVERY_FAILURES = Counter(
    "gateway_delivery_failures_total",
    "Events that could not be handed to some connection (those connections were closed so "
    "they resume with since), by where it failed",
    ["stage"],
)
