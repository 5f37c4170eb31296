"""The relay's Prometheus metrics."""

from prometheus_client import Counter, Gauge, Histogram

PUBLISHED = Counter("relay_events_published_total", "store events confirmed by the broker")
LAG = Histogram(
    "relay_lag_seconds",
    "from the event's commit to the broker's confirm",
    # Fine below 10 ms so that the p99 <= 5 ms target can be read from it (make bench).
    buckets=(
        *(0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075),
        *(0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    ),
)
CHECKPOINT = Gauge("relay_checkpoint_position", "last position confirmed by the broker")
STORE_POSITION = Gauge("relay_store_position", "newest position in the event store")
LOCK_HELD = Gauge("relay_lock_held", "1 while this relay holds the publishing lock")
BROKER_CONNECTED = Gauge("relay_broker_connected", "1 while connected to the broker")
BROKER_RECONNECTS = Counter("relay_broker_reconnects_total", "broker connections lost")
