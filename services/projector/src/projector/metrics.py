"""The projector's Prometheus metrics (served on ``/metrics`` by todo_shared.observability)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_APPLIED = Counter(
    "projector_events_applied_total", "Store events applied to the read models"
)
MESSAGES = Counter(
    "projector_messages_total",
    "Messages received, by outcome (applied, duplicate, ignored, dead_lettered)",
    ["outcome"],
)
DEAD_LETTERED = Counter(
    "projector_dead_lettered_total", "Messages sent to the dead-letter exchange", ["reason"]
)
EVENTS_SKIPPED = Counter(
    "projector_events_skipped_total", "Store events that failed to apply too often and were skipped"
)
GAP_FILLS = Counter(
    "projector_gap_fills_total", "Times events were read from the store beyond the messages in hand"
)
BATCH_SIZE = Histogram(
    "projector_batch_events",
    "Events applied per database transaction",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000),
)
APPLY_SECONDS = Histogram(
    "projector_apply_seconds",
    "Duration of one apply transaction (load, project, write, checkpoint)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CHECKPOINT = Gauge("projector_checkpoint_position", "Last store position applied")
HEAD = Gauge("projector_store_head_position", "Newest store position seen")
LAG_EVENTS = Gauge("projector_lag_events", "Stored events not applied yet")
LAG_SECONDS = Gauge(
    "projector_lag_seconds", "Age of the oldest stored event not applied yet (0 when none)"
)
BROKER_CONNECTED = Gauge("projector_broker_connected", "1 while connected to RabbitMQ")
BROKER_RECONNECTS = Counter("projector_broker_reconnects_total", "broker connections lost")
PAUSED = Gauge("projector_paused_for_rebuild", "1 while a rebuild holds the read models")
