"""The test suites' own Socket.IO client reaches into python-engineio (tests/support/gateway.py):
these fail if an upgrade moves what it relies on."""

from __future__ import annotations

import threading

import socketio

from tests.support.gateway import InOrderClient, _InOrderEngineClient


def test_messages_are_handled_in_the_read_loop_in_arrival_order() -> None:
    client = _InOrderEngineClient()
    seen: list[tuple[str, str]] = []
    client.on("message", lambda data: seen.append((data, threading.current_thread().name)))
    for data in ("first", "second", "third"):
        # what python-engineio's _receive_packet does for each MESSAGE packet
        client._trigger_event("message", data, run_async=True)
    here = threading.current_thread().name
    assert seen == [("first", here), ("second", here), ("third", here)]


def test_the_stock_client_would_hand_messages_to_threads() -> None:
    """The reason for the subclass: without it the same call returns a background task."""
    import engineio

    stock = engineio.Client()
    done = threading.Event()
    stock.on("message", lambda data: done.set())
    task = stock._trigger_event("message", "x", run_async=True)
    assert task is not None and done.wait(5)


def test_the_socketio_client_builds_its_engine_through_the_hook() -> None:
    client = InOrderClient(reconnection=False)
    assert isinstance(client.eio, _InOrderEngineClient)
    assert isinstance(client, socketio.Client)
