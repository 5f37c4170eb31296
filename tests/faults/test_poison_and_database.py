"""Poison in the middle of the stream, and the database's connections cut or restarted."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from datetime import UTC, datetime

from tests.faults.faults import database_backends, terminate_backends
from tests.faults.harness import Scenario
from tests.faults.invariants import metric
from tests.support.gateway import Publisher


def _forged(list_id: str, position: int) -> dict[str, object]:
    """A well-formed store event the store never wrote (its position is beyond the head)."""
    todo_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()), "type": "TodoCreated", "schema_version": 1,
        "stream": f"todo-{todo_id}", "version": 1, "position": position,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "channels": [f"list:{list_id}"],
        "data": {"todo_id": todo_id, "list_id": list_id, "title": "forged"},
        "metadata": {"actor": "1", "source": "api"},
    }  # fmt: skip


def test_poison_mid_stream(scenario: Scenario) -> None:
    stack = scenario.stack
    list_id = next(iter(scenario.load.shared.protected))
    with scenario:
        dead = metric(stack.url("projector"), "projector_dead_lettered_total")
        drops = metric(stack.url("gateway#1"), "gateway_dropped_events_total")
        publisher = Publisher(stack.exchange)
        try:
            head = int(metric(stack.url("relay"), "relay_store_position"))
            for body in (
                b"\x00\xffjunk",
                json.dumps({"id": "x", "type": "TodoCreated"}).encode(),
                json.dumps({"padding": "x" * 1_000_000}).encode(),
                json.dumps(_forged(list_id, head + 100_000)).encode(),
            ):
                publisher.publish(body)
                scenario.load.wait_commands(5)  # neighbours on both sides
        finally:
            publisher.close()
        deadline = time.monotonic() + 60
        while metric(stack.url("projector"), "projector_dead_lettered_total") < dead + 4:
            assert time.monotonic() < deadline, "the projector did not dead-letter all 4"
            time.sleep(0.2)
        while metric(stack.url("gateway#1"), "gateway_dropped_events_total") < drops + 4:
            assert time.monotonic() < deadline, "the gateway did not drop all 4"
            time.sleep(0.2)
        end = scenario.fault_over("junk, invalid envelope, 1 MB, forged store event", injected=4)
    scenario.check(end)  # the forged event reached no client and no read model


def test_database_backends_terminated_during_writes(scenario: Scenario) -> None:
    stack = scenario.stack
    with scenario:
        terminated: list[int] = []
        for _ in range(3):
            pids = terminate_backends(stack)
            assert pids, "no backend of the stack's database to terminate"
            assert not set(pids) & set(database_backends(stack)), "a backend survived"
            terminated += pids
            scenario.load.wait_commands(10)
        end = scenario.fault_over(f"pg_terminate_backend x3 ({len(terminated)} backends)", 3)
    unavailable = sum(s == 503 for c in scenario.load.log for s in c.statuses)
    scenario.figures.notes.append(f"{unavailable} answers were 503 with Retry-After")
    scenario.check(end)
    assert database_backends(stack), "nothing reconnected to the database"


def test_postgresql_restarted(scenario: Scenario) -> None:
    """``pg_ctlcluster 15 main restart``: the whole server (other test runs feel it too)."""
    stack = scenario.stack
    with scenario:
        before = set(database_backends(stack))
        subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True, timeout=120)
        assert not before & set(database_backends(stack)), "the old backends survived a restart"
        scenario.load.wait_commands(10)
        end = scenario.fault_over("pg_ctlcluster 15 main restart")
    scenario.check(end)
