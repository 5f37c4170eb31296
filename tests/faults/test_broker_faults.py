"""The broker's faults under load: connections cut, the broker stopped, its memory alarm,
the projector's queue deleted."""

from __future__ import annotations

import signal
import time

import pika
import pytest

from tests.faults.faults import (
    broker_connections,
    close_own_connections,
    rabbitmqctl,
    wait_connected_again,
)
from tests.faults.harness import Scenario
from tests.faults.invariants import metric, store_head
from tests.support.stack import AMQP_URL, Stack

CONSUMERS = ("relay", "projector", "gateway#1", "gateway#2")
COUNTERS = {
    "relay": "relay_broker_reconnects_total",
    "projector": "projector_broker_reconnects_total",
    "gateway#1": "gateway_broker_reconnects_total",
    "gateway#2": "gateway_broker_reconnects_total",
}


def reconnects(stack: Stack) -> dict[str, float]:
    return {name: metric(stack.url(name), counter) for name, counter in COUNTERS.items()}


def wait_reconnected(stack: Stack, before: dict[str, float], rounds: int = 1) -> None:
    """Each service's reconnect counter in /metrics moved by ``rounds``, and it is connected."""
    deadline = time.monotonic() + 90
    while True:
        now = reconnects(stack)
        if all(now[n] >= before[n] + rounds for n in COUNTERS) and all(
            metric(stack.url(n), n.split("#")[0] + "_broker_connected") == 1 for n in COUNTERS
        ):
            return
        assert time.monotonic() < deadline, f"reconnect counters: before {before}, now {now}"
        time.sleep(0.2)


def test_own_connections_cut_twice(scenario: Scenario) -> None:
    """Every broker connection of this stack closed (``rabbitmqctl close_connection``), twice."""
    stack = scenario.stack
    with scenario:
        closed = 0
        for _ in range(2):
            before, counts = broker_connections(stack, CONSUMERS), reconnects(stack)
            assert all(before.values()), (
                f"round {_}: a service holds no broker connection: {before}"
            )
            closed += close_own_connections(stack, CONSUMERS)
            wait_connected_again(stack, CONSUMERS, before)
            wait_reconnected(stack, counts)
            scenario.load.wait_commands(10)
        end = scenario.fault_over(f"close_connection x2 ({closed} connections)", injected=2)
    scenario.check(end)


def test_close_all_connections_twice(scenario: Scenario) -> None:
    """``rabbitmqctl close_all_connections``: the whole broker's connections, twice."""
    stack = scenario.stack
    with scenario:
        for _ in range(2):
            before, counts = broker_connections(stack, CONSUMERS), reconnects(stack)
            rabbitmqctl("close_all_connections", "fault suite: close_all_connections")
            wait_connected_again(stack, CONSUMERS, before)
            wait_reconnected(stack, counts)
            scenario.load.wait_commands(10)
        end = scenario.fault_over("close_all_connections x2", injected=2)
    scenario.check(end)


def _running() -> bool:
    return "true" in rabbitmqctl("eval", "rabbit:is_running().")


def test_broker_stop_app_start_app(scenario: Scenario) -> None:
    stack = scenario.stack
    with scenario:
        counts = reconnects(stack)
        try:
            rabbitmqctl("stop_app")
            assert not _running(), "the broker app still runs after stop_app"
            scenario.load.wait_commands(15)  # the API goes on: the store is the outbox
        finally:
            rabbitmqctl("start_app")
        assert _running()
        wait_reconnected(stack, counts)
        end = scenario.fault_over("stop_app / start_app")
    scenario.check(end)


def _watermark() -> str:
    return rabbitmqctl("eval", "vm_memory_monitor:get_vm_memory_high_watermark().").strip()


def test_memory_alarm_blocks_publishers(scenario: Scenario) -> None:
    stack = scenario.stack
    original = _watermark()
    assert original.replace(".", "", 1).isdigit(), f"unexpected watermark {original!r}"
    with scenario:
        try:
            rabbitmqctl("set_vm_memory_high_watermark", "0.000001")
            deadline = time.monotonic() + 30
            while "memory" not in rabbitmqctl("eval", "rabbit_alarm:get_alarms()."):
                assert time.monotonic() < deadline, "no memory alarm raised"
                time.sleep(0.2)
            scenario.load.wait_commands(15)  # accepted while the relay cannot publish
            states = rabbitmqctl("list_connections", "name", "state")
            assert "blocked" in states, f"no publisher blocked: {states}"
            stuck = metric(stack.url("relay"), "relay_checkpoint_position")
            head = store_head(stack)  # the store went on growing: the API kept accepting
        finally:
            rabbitmqctl("set_vm_memory_high_watermark", original)
        assert stuck < head, "the relay published during the alarm"
        end = scenario.fault_over(f"memory alarm (relay held at {stuck:.0f} < {head:.0f})")
    scenario.check(end)


def test_projector_queue_deleted_while_projector_down(scenario: Scenario) -> None:
    stack = scenario.stack
    with scenario:
        code = stack.kill("projector", signal.SIGKILL)
        assert code == -signal.SIGKILL
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        try:
            conn.channel().queue_delete(stack.projector_queue)
            with pytest.raises(pika.exceptions.ChannelClosedByBroker):
                conn.channel().queue_declare(stack.projector_queue, passive=True)
        finally:
            conn.close()
        scenario.load.wait_commands(15)  # these events reach no queue of the projector's
        stack.restart("projector")
        end = scenario.fault_over("projector queue deleted while the projector was down")
    scenario.check(end)
