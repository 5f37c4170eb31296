"""Regression (#16, churn memory): a closed engine.io socket is freed at once, not after
the ping interval. Real python-engineio sockets in threading mode, no network."""

from __future__ import annotations

import gc
import inspect
import time
import weakref
from typing import Any

import engineio
from engineio import socket as engine_socket_module
from gateway.adapters import engine_sockets
from gateway.adapters.engine_sockets import ALIVE, CappedPollSocket, ReleasingSocket, adopt
from gateway.adapters.packet_guard import GuardedServer


def opened_socket(server: engineio.Server, adopted: bool) -> Any:
    """A socket as engine.io makes one on connect: created, (adopted), first ping scheduled."""
    sock = engine_socket_module.Socket(server, server.generate_id())
    if adopted:
        server.sockets[sock.sid] = sock  # in the table, as engine.io does (the plain one is
        # left out: the table alone would keep it alive)
        adopt(sock)
    sock.schedule_ping()  # starts the ping task, as engine.io's _handle_connect does
    return sock


def freed_within(ref: weakref.ref[Any], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gc.collect()
        if ref() is None:
            return True
        time.sleep(0.05)
    return False


def test_a_plain_engine_io_socket_outlives_its_close_by_the_ping_interval() -> None:
    """The fault: the library's ping task keeps a closed socket for ping_interval."""
    server = engineio.Server(async_mode="threading", ping_interval=3)
    sock = opened_socket(server, adopted=False)
    ref = weakref.ref(sock)
    sock.close(wait=False, abort=True)
    del sock
    assert not freed_within(ref, 1.0), "engine.io no longer holds closed sockets: drop the fix"
    assert freed_within(ref, 5.0)  # once the ping task woke up


def test_an_adopted_socket_is_freed_as_soon_as_it_closes() -> None:
    server = engineio.Server(async_mode="threading", ping_interval=25)
    sock = opened_socket(server, adopted=True)
    assert type(sock) is ReleasingSocket and isinstance(sock, CappedPollSocket)
    assert sock in ALIVE
    ref = weakref.ref(sock)
    sock.close(wait=False, abort=True)
    del sock
    assert freed_within(ref, 1.0)
    assert all(s is not ref() for s in ALIVE)


def test_an_adopted_socket_still_pings_while_open() -> None:
    server = engineio.Server(async_mode="threading", ping_interval=0.2)
    sock = opened_socket(server, adopted=True)
    deadline = time.monotonic() + 3
    while sock.last_ping is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sock.last_ping is not None, "no ping sent"
    assert sock.queue.get(timeout=1).packet_type == engineio.packet.PING
    sock.close(wait=False, abort=True)


def test_every_new_socket_is_adopted_at_connect() -> None:
    sio = GuardedServer(async_mode="threading")
    sock = engine_socket_module.Socket(sio.eio, "eio-sid")
    sio.eio.sockets["eio-sid"] = sock
    sio._handle_eio_connect("eio-sid", {})
    assert type(sock) is ReleasingSocket
    sock.close(wait=False, abort=True)


def test_the_engine_io_internals_this_relies_on_are_still_there() -> None:
    """engine_sockets copies ``Socket._send_ping`` (the shared scheduler) and wraps
    ``Socket.close``."""
    source = inspect.getsource(engine_socket_module.Socket._send_ping)
    assert "self.server.sleep(self.server.ping_interval)" in source, source
    assert "packet.PING" in source and "self.last_ping = time.time()" in source, source
    params = list(inspect.signature(engine_socket_module.Socket.close).parameters)
    assert params == ["self", "wait", "abort", "reason"]
    assert "self.server.start_background_task(self._send_ping)" in inspect.getsource(
        engine_socket_module.Socket.schedule_ping
    )
    params = list(inspect.signature(GuardedServer.__mro__[1]._handle_eio_connect).parameters)
    assert params == ["self", "eio_sid", "environ"]
    assert engine_sockets.SOCKETS_ALIVE is not None


def test_a_closed_polling_socket_leaves_the_servers_table_at_once() -> None:
    server = engineio.Server(async_mode="threading")
    sock = opened_socket(server, adopted=True)
    other = opened_socket(server, adopted=True)
    sock.close(wait=False, abort=True)
    assert list(server.sockets) == [other.sid]
    other.close(wait=False, abort=True)
    assert server.sockets == {}
