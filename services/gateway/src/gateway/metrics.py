"""Prometheus metrics of the gateway (served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("gateway_connections", "Socket.IO connections open now")
SUBSCRIPTIONS = Gauge("gateway_subscriptions", "Channel subscriptions held now")
EVENTS_IN = Counter("gateway_events_in_total", "Events passed on, by origin", ["origin"])
DELIVERIES = Counter("gateway_deliveries_total", "Events handed to connections (one per client)")
DROPS = Counter("gateway_drops_total", "Events or clients dropped, by reason", ["reason"])
SUBSCRIBE_REFUSED = Counter(
    "gateway_subscribe_refused_total", "Refused subscribe requests, by code", ["code"]
)
CONNECT_REFUSED = Counter("gateway_connect_refused_total", "Refused connections", ["code"])
GAP_FILLS = Counter("gateway_gap_fills_total", "Gap fills from the API, by trigger", ["trigger"])
BROKER_CONNECTED = Gauge("gateway_broker_connected", "1 while the broker connection is up")
BROKER_RECONNECTS = Counter("gateway_broker_reconnects_total", "broker connections lost")
POSITION = Gauge("gateway_position", "Highest store position passed on")
