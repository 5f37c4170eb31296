"""The long-running projector: health server, start-up checks, the consumer, signals."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import types

from django.db import DatabaseError, ProgrammingError
from todo_shared.amqp import Backoff, Topology, run_consumer
from todo_shared.observability import serve_in_thread

from projector.application.lag import Status, measure_lag
from projector.application.live import LiveProjection
from projector.bootstrap import Projector

log = logging.getLogger(__name__)

PREFETCH = 300  # enough for full batches while one is being applied
MAX_BATCH = 200  # messages per batch; a gap may add more events to the transaction
# Under a steady trickle of writes, a short batch waits until this long after the previous
# one, so one transaction applies several events (docs/write-path.md); a write after a quiet
# spell, or a deep queue, is applied at once.
GATHER_SECONDS = 0.02


def _install_signals(stop: threading.Event, status: Status) -> None:
    def request_stop(signum: int, frame: types.FrameType | None) -> None:
        log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        status.update(state="stopping")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def wait_for_database(projector: Projector, stop: threading.Event, status: Status) -> bool:
    """Create the checkpoint row once the database answers; False if stopped first.

    A database without the read-model tables is a deployment error: exit with one line.
    """
    tables = projector.tables
    backoff = Backoff(initial=0.5, cap=10.0)
    while not stop.is_set():
        try:
            tables.ensure_checkpoint()
            measure_lag(status, projector.store, tables)
            return True
        except ProgrammingError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            print(f"database not migrated (run manage.py migrate): {first}", file=sys.stderr)
            raise SystemExit(1) from None
        except (*tables.transient_errors, DatabaseError) as exc:
            log.warning("database unavailable; retrying", extra={"error": repr(exc)[:300]})
            status.update(database_ok=False, last_error=repr(exc)[:300])
            tables.reset_connection()
            stop.wait(backoff.next_delay())
    return False


def run_projector(projector: Projector) -> int:
    """Run until SIGTERM/SIGINT; exit status 0 after a clean stop."""
    settings = projector.settings
    stop = threading.Event()
    status = Status()
    _install_signals(stop, status)
    try:
        server = serve_in_thread(settings.projector_port, status.snapshot)
    except OSError as exc:
        print(f"cannot listen on PROJECTOR_PORT {settings.projector_port}: {exc}", file=sys.stderr)
        return 1
    try:
        if not wait_for_database(projector, stop, status):
            return 0
        topology = Topology(settings.events_exchange, settings.projector_queue)
        live = LiveProjection(projector.applier(log_each=True), topology, status, stop.is_set)
        log.info(
            "projector starting",
            extra={"queue": settings.projector_queue, "checkpoint": status.checkpoint},
        )
        run_consumer(
            url=settings.amqp_url,
            name="projector",
            setup=topology.declare_projector_queue,
            handle=live.handle,
            should_stop=stop.is_set,
            prefetch=PREFETCH,
            max_batch=MAX_BATCH,
            gather_seconds=GATHER_SECONDS,
            on_connected=live.on_connected,
            on_disconnected=live.on_disconnected,
            on_idle=live.on_idle,
            sleep=stop.wait,
        )
    finally:
        server.shutdown()
        projector.tables.reset_connection()
    log.info("projector stopped", extra={"checkpoint": live.checkpoint})
    return 0
