"""``manage.py relay``: the outbox relay process (health and metrics on RELAY_PORT)."""

from __future__ import annotations

import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from todo_shared.amqp import Topology
from todo_shared.eventstore.recorder import recorder_for
from todo_shared.observability import serve_in_thread

from todo_api.identity.pruning import prune_idempotency
from todo_api.relay.lock import FileRelayLock, PostgresRelayLock, RelayLock
from todo_api.relay.relay import Relay

log = logging.getLogger("todo_api.relay")


class Command(BaseCommand):
    help = (
        "Publish stored events to the events exchange in position order, with publisher "
        "confirms. Only one relay publishes at a time; others wait. Serves /healthz and "
        "/metrics on RELAY_PORT (default 8002). Stops cleanly on SIGTERM or Ctrl-C."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cfg = settings.SETTINGS
        db = settings.DATABASES["default"]
        lock: RelayLock = (
            PostgresRelayLock(db, cfg.events_exchange)
            if connection.vendor == "postgresql"
            else FileRelayLock(str(db["NAME"]))
        )
        relay = Relay(
            cfg.amqp_url,
            Topology(cfg.events_exchange, cfg.projector_queue),
            lock,
            recorder=recorder_for(),
            housekeeping=prune_idempotency,
        )
        try:
            server = serve_in_thread(cfg.relay_port, relay.health)
        except OSError as exc:
            log.error(
                "cannot listen on RELAY_PORT", extra={"port": cfg.relay_port, "error": str(exc)}
            )
            raise SystemExit(2) from None

        def on_signal(signum: int, frame: object) -> None:
            log.info("stopping relay", extra={"signal": signal.Signals(signum).name})
            relay.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        log.info("relay starting", extra={"exchange": cfg.events_exchange, "port": cfg.relay_port})
        try:
            relay.run()
        finally:
            server.shutdown()
        log.info("relay stopped")
