"""One stack shared by every fault scenario (API, relay, projector, two gateways), and the
summary table the suite writes at its end (``var/test-artifacts/faults-summary.md``)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator

import pytest

from tests.faults.harness import Scenario
from tests.faults.invariants import SERVICES, Figures, recovered
from tests.support.stack import ARTIFACTS, DatabaseFactory, Stack

SUMMARY = ARTIFACTS / "faults-summary.md"
COLUMNS = ("scenario", "fault", "faults_injected", "sent", "accepted", "refused", "retried",
           "idempotent_replays", "events", "deliveries", "lost", "doubled", "reordered",
           "left_by_errors", "recovery_s")  # fmt: skip


@pytest.fixture(scope="session")
def fault_stack(databases: DatabaseFactory, request: pytest.FixtureRequest) -> Iterator[Stack]:
    stack = databases.new_stack()
    failed = False
    try:
        # The load is three users writing flat out; the per-user write limit (600/60 by
        # default, tests/security) would answer 429 once writes got fast enough (#14).
        stack.start("api", env={"RATE_LIMIT_WRITES": "0"})
        stack.start("relay")
        stack.start("projector")
        stack.start("gateway#1")
        stack.start("gateway#2")
        yield stack
    except BaseException:
        failed = True
        raise
    finally:
        # a failed scenario keeps the processes' logs for the post-mortem
        stack.teardown(failed=failed or request.session.testsfailed > 0)


@pytest.fixture(scope="session")
def summary() -> Iterator[list[Figures]]:
    rows: list[Figures] = []
    yield rows
    if rows:
        write_summary(rows)


def write_summary(rows: list[Figures]) -> None:
    lines = [
        "| " + " | ".join(c.replace("_", " ") for c in COLUMNS) + " |",
        "|" + " --- |" * len(COLUMNS),
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(getattr(row, c)) for c in COLUMNS) + " |")
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text("\n".join(lines) + "\n")
    print(f"\nfault summary written to {SUMMARY}")


@pytest.fixture
def scenario(
    fault_stack: Stack, summary: list[Figures], request: pytest.FixtureRequest
) -> Iterator[Scenario]:
    """A fresh scenario on the shared stack; the stack is healthy before it starts, and its
    figures join the summary when it passes."""
    for name in SERVICES:  # a scenario before may have left a process stopped
        proc = fault_stack.procs[name]
        if proc.popen is None or proc.popen.poll() is not None:
            fault_stack.restart(name)
    recovered(fault_stack, time.monotonic())
    name = request.node.name.removeprefix("test_")
    scn = Scenario(fault_stack, name, seed=zlib.crc32(name.encode()) % 10_000)
    yield scn
    if scn.figures.recovery_s or scn.figures.accepted:
        summary.append(scn.figures)
