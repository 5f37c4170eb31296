"""The relay loses nothing when it is SIGKILLed or the broker drops its connections."""

import signal
import subprocess
import threading

import psycopg
import requests

from tests.integration.conftest import store_count, wait_for
from tests.support.api import ApiClient
from tests.support.gateway import metrics


def issue_commands(api_url, count, started):
    alice = ApiClient(api_url)
    lid = alice.create_list()["id"]
    for n in range(count - 1):
        alice.add_todo(lid, f"todo {n}")
        if n == 10:
            started.set()


def assert_complete_and_ordered(positions, total):
    """Every position arrived; a redelivery may repeat, but nothing ever jumps ahead."""
    assert set(positions) == set(range(1, total + 1))
    highest = 0
    for position in positions:
        assert position <= highest + 1, f"position {position} arrived before {highest + 1}"
        highest = max(highest, position)


def run_with_disruption(write_stack, disrupt, total=150):
    started = threading.Event()
    writer = threading.Thread(target=issue_commands, args=(write_stack.url("api"), total, started))
    writer.start()
    assert started.wait(30), "the writer never started"
    disrupt()
    writer.join(120)
    assert store_count(write_stack) == total

    assert write_stack.tap.drain_positions(set(range(1, total + 1))), "every event on the exchange"
    write_stack.tap.settle(0.5)
    assert_complete_and_ordered(write_stack.tap.positions(), total)


def test_relay_sigkilled_mid_stream_loses_nothing(write_stack):
    def kill_and_restart():
        write_stack.kill("relay", signal.SIGKILL)
        write_stack.restart("relay")

    run_with_disruption(write_stack, kill_and_restart)


def test_broker_connections_closed_mid_stream_lose_nothing(write_stack):
    def close_connections():
        relay = write_stack.url("relay")
        before = metrics(relay).get("relay_broker_reconnects_total", 0)
        subprocess.run(
            ["rabbitmqctl", "close_all_connections", "test"], check=True, capture_output=True
        )
        wait_for(
            lambda: (
                metrics(relay).get("relay_broker_reconnects_total", 0) > before
                and metrics(relay).get("relay_broker_connected") == 1
            ),
            what="the relay losing its broker connection and connecting again",
        )

    run_with_disruption(write_stack, close_connections)


def test_a_second_relay_waits_then_takes_over(write_stack):
    second = write_stack.start("relay#2")  # a second relay process, same database
    assert requests.get(second.url + "/healthz", timeout=5).json()["role"] == "standby"
    alice = ApiClient(write_stack.url("api"))
    alice.create_list()
    write_stack.tap.drain(1)
    write_stack.kill("relay", signal.SIGKILL)
    wait_for(
        lambda: requests.get(second.url + "/healthz", timeout=5).json()["role"] == "publishing",
        what="standby relay takes the lock",
    )
    alice.create_list("second")

    # Event 1 may come again (the first relay can die between confirm and checkpoint).
    assert write_stack.tap.drain_positions({2}), "event 2 published by the standby relay"
    assert set(write_stack.tap.positions()) == {1, 2}


def table_checkpoint(stack):
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute("SELECT position FROM relay_checkpoint").fetchone()
        return row[0] if row else 0


def test_sigterm_stops_the_relay_cleanly(write_stack):
    assert write_stack.kill("relay", signal.SIGTERM) == 0
    assert '"relay stopped"' in write_stack.procs["relay"].log_text()


def test_the_table_checkpoint_follows_the_confirms_and_is_saved_on_stop(write_stack):
    """The relay writes its checkpoint at most every SAVE_EVERY seconds, and when it goes
    idle; a clean stop leaves the table at the last confirmed position."""
    alice = ApiClient(write_stack.url("api"))
    lid = alice.create_list()["id"]
    assert write_stack.tap.drain_positions({1})
    wait_for(lambda: table_checkpoint(write_stack) == 1, what="the idle relay saving 1")
    for n in range(5):
        alice.add_todo(lid, f"todo {n}")
    assert write_stack.tap.drain_positions(set(range(2, 7)))
    assert write_stack.kill("relay", signal.SIGTERM) == 0
    assert table_checkpoint(write_stack) == 6


def test_broker_restart_mid_stream_loses_nothing(write_stack):
    def restart_broker():
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "await_startup"], check=True, capture_output=True)

    run_with_disruption(write_stack, restart_broker)
