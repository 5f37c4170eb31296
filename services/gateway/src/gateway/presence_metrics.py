"""Prometheus metrics of presence (served at ``/metrics`` with the gateway's others)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CHANNELS = Gauge("gateway_presence_channels", "List channels with anyone present, all gateways")
UPDATES = Counter("gateway_presence_updates_total", "presence events sent to connections")
ANNOUNCEMENTS_SENT = Counter(
    "gateway_presence_announcements_sent_total", "Presence messages published, by kind", ["kind"]
)
ANNOUNCEMENT_BYTES_SENT = Counter(
    "gateway_presence_announcement_bytes_sent_total", "Bytes of presence messages published"
)
ANNOUNCEMENTS_RECEIVED = Counter(
    "gateway_presence_announcements_received_total",
    "Other gateways' presence messages merged, by kind",
    ["kind"],
)
ANNOUNCEMENTS_REFUSED = Counter(
    "gateway_presence_announcements_refused_total", "Presence messages that were not usable"
)
EXPIRIES = Counter(
    "gateway_presence_expiries_total",
    "Other gateways' (gateway, channel) entries dropped because they were not announced again",
)
FEED_CONNECTED = Gauge("gateway_presence_connected", "1 while the presence exchange is consumed")
