"""``python -m projector rebuild``: see :mod:`projector.application.rebuild` for the semantics."""

from __future__ import annotations

import logging
import signal
import sys
import time
import types

from projector.application.rebuild import RebuildRunning, rebuild
from projector.bootstrap import Projector
from projector.entrypoints.progress import ProgressReporter

log = logging.getLogger(__name__)


def run_rebuild(projector: Projector, batch_size: int, progress_mode: str) -> int:
    """Rebuild; 0 when complete, 1 when refused, interrupted or an event was skipped."""
    if not 1 <= batch_size <= 100_000:
        print("--batch-size must be between 1 and 100000", file=sys.stderr)
        return 2
    stopping = False

    def request_stop(signum: int, frame: types.FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    reporter = ProgressReporter("rebuild", progress_mode)
    started = time.monotonic()
    log.info("rebuild started", extra={"batch_size": batch_size})
    try:
        result = rebuild(
            projector.store,
            projector.tables,
            projector.usernames,
            batch_size,
            reporter.update,
            lambda: stopping,
        )
    except RebuildRunning as exc:
        print(f"rebuild refused: {exc}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    rate = result.applied / elapsed if elapsed > 0 else 0.0
    summary = {
        "events": result.applied,
        "checkpoint": result.checkpoint,
        "seconds": round(elapsed, 3),
        "events_per_second": round(rate, 1),
        "skipped": [s.position for s in result.skipped],
    }
    if not result.completed:
        reporter.finish(f"interrupted at position {result.checkpoint}; the projector continues")
        log.warning("rebuild interrupted", extra=summary)
        return 1
    reporter.finish(f"done: {result.applied} events in {elapsed:.1f}s ({rate:,.0f} ev/s)")
    if result.skipped:
        log.error("rebuild finished, but some events could not be applied", extra=summary)
        return 1
    log.info("rebuild finished", extra=summary)
    return 0
