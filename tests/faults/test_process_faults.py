"""Processes killed under load: projector, relay (and its standby), a gateway."""

from __future__ import annotations

import signal
import time

from tests.faults.harness import Scenario
from tests.faults.invariants import healthz, metric


def test_projector_sigkill_mid_batch(scenario: Scenario) -> None:
    stack = scenario.stack
    with scenario:
        applied = metric(stack.url("projector"), "projector_events_applied_total")
        code = stack.kill("projector", signal.SIGKILL)
        assert code == -signal.SIGKILL, f"the projector was not killed: exit {code}"
        assert applied > 0, "the projector had applied nothing before the kill"
        scenario.load.wait_commands(15)  # written while the projector is down
        stack.restart("projector")
        end = scenario.fault_over(f"SIGKILL projector (exit {code}) after {applied:.0f} applied")
    scenario.check(end)


def test_relay_sigkill_mid_publish(scenario: Scenario) -> None:
    stack = scenario.stack
    with scenario:
        published = metric(stack.url("relay"), "relay_events_published_total")
        code = stack.kill("relay", signal.SIGKILL)
        assert code == -signal.SIGKILL, f"the relay was not killed: exit {code}"
        scenario.load.wait_commands(15)
        stack.restart("relay")
        end = scenario.fault_over(f"SIGKILL relay (exit {code}) after {published:.0f} published")
    scenario.check(end)


def test_relay_standby_takes_over(scenario: Scenario) -> None:
    stack = scenario.stack
    standby = stack.start("relay#2")
    assert healthz(standby.url)[1].get("role") == "standby", healthz(standby.url)
    with scenario:
        code = stack.kill("relay", signal.SIGKILL)
        assert code == -signal.SIGKILL, f"the active relay was not killed: exit {code}"
        deadline = time.monotonic() + 60
        while healthz(standby.url)[1].get("role") != "publishing":
            assert time.monotonic() < deadline, f"no takeover: {healthz(standby.url)}"
            time.sleep(0.1)
        end = scenario.fault_over(f"SIGKILL active relay (exit {code}); standby took over")
        stack.restart("relay")  # back as the standby
    scenario.check(end, services=("api", "relay", "relay#2", "projector", "gateway#1", "gateway#2"))
    stack.kill("relay#2", signal.SIGTERM)
    del stack.procs["relay#2"]


def test_gateway_sigkill_clients_resume_on_the_other(scenario: Scenario) -> None:
    stack = scenario.stack
    moved = [s for s in scenario.subscribers if s.transport == "websocket"]
    with scenario:
        code = stack.kill("gateway#1", signal.SIGKILL)
        assert code == -signal.SIGKILL, f"gateway#1 was not killed: exit {code}"
        deadline = time.monotonic() + 30
        while any(s.connected() for s in moved):
            assert time.monotonic() < deadline, "clients still connected to a dead gateway"
            time.sleep(0.1)
        scenario.load.wait_commands(10)  # written while those clients are disconnected
        for sub in moved:
            sub.resume(stack.url("gateway#2"))
        assert all(s.reconnects == 1 and s.connected() for s in moved)
        stack.restart("gateway#1")
        end = scenario.fault_over(f"SIGKILL gateway#1 (exit {code}); {len(moved)} clients moved")
    scenario.check(end)
