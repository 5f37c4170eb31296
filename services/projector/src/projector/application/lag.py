"""How far the read models are behind the store, for ``/healthz`` and ``/metrics``."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from projector import metrics
from projector.adapters.store import StoreReader
from projector.application.ports import ReadModelTables


@dataclass
class Status:
    """What ``/healthz`` reports. Written by the consumer thread, read by the HTTP thread."""

    broker_connected: bool = False
    database_ok: bool = False
    state: str = "starting"  # starting, catching_up, live, paused_for_rebuild, stopping
    checkpoint: int = 0
    head: int = 0
    lag_seconds: float = 0.0
    refreshed_at: float = 0.0
    last_error: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self, key, value)

    def snapshot(self) -> tuple[bool, dict[str, Any]]:
        """``(healthy, details)``: healthy while connected to the broker and the database."""
        with self._lock:
            details = {
                "broker": "connected" if self.broker_connected else "disconnected",
                "database": "ok" if self.database_ok else "unavailable",
                "state": self.state,
                "checkpoint": self.checkpoint,
                "store_head": self.head,
                "lag_events": max(0, self.head - self.checkpoint),
                "lag_seconds": round(self.lag_seconds, 3),
                "refreshed_s_ago": round(time.monotonic() - self.refreshed_at, 1)
                if self.refreshed_at
                else None,
            }
            if self.last_error:
                details["last_error"] = self.last_error
            healthy = self.broker_connected and self.database_ok and self.state != "stopping"
        return healthy, details


def measure_lag(status: Status, store: StoreReader, tables: ReadModelTables) -> None:
    """Read the checkpoint and the store's head; update ``status`` and the gauges."""
    checkpoint = tables.read_checkpoint()
    head = store.head_position()
    lag_seconds = 0.0
    if head > checkpoint:
        oldest = store.recorded_at(checkpoint + 1)
        if oldest is not None:
            lag_seconds = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
    status.update(
        checkpoint=checkpoint,
        head=head,
        lag_seconds=lag_seconds,
        refreshed_at=time.monotonic(),
        database_ok=True,
    )
    metrics.CHECKPOINT.set(checkpoint)
    metrics.HEAD.set(head)
    metrics.LAG_EVENTS.set(max(0, head - checkpoint))
    metrics.LAG_SECONDS.set(lag_seconds)
