"""The gateway's one ping task for every engine.io socket (engine_sockets.PingScheduler):
engine.io's ping rules kept — a PING ``ping_interval`` after connect and after each PONG,
a client that leaves one unanswered closed after ``ping_timeout`` — without a green thread
per socket, and without holding a closed socket. Real python-engineio sockets (threading
mode, no network); the scheduler is driven with a clock of the test's own, except where
its real task runs."""

from __future__ import annotations

import gc
import time
import weakref
from typing import Any

import engineio
from engineio import packet as engine_packet
from engineio import socket as engine_socket_module
from gateway.adapters import engine_sockets
from gateway.adapters.engine_sockets import TIMEOUT_MARGIN, PingScheduler, adopt, pings_of

INTERVAL, TIMEOUT = 25.0, 20.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def driven_server() -> tuple[engineio.Server, PingScheduler, Clock, list[tuple[str, Any]]]:
    """A server whose scheduler the test drives (its task never started)."""
    server = engineio.Server(async_mode="threading", ping_interval=INTERVAL, ping_timeout=TIMEOUT)
    clock = Clock()
    scheduler = server.gateway_pings = PingScheduler(server, clock)
    scheduler.task = "driven by the test"
    disconnects: list[tuple[str, Any]] = []
    server.on("disconnect", lambda sid, reason: disconnects.append((sid, reason)))
    return server, scheduler, clock, disconnects


def connected(server: engineio.Server) -> Any:
    """A socket as engine.io's _handle_connect leaves it: in the table, adopted, scheduled."""
    sock = engine_socket_module.Socket(server, server.generate_id())
    server.sockets[sock.sid] = sock
    adopt(sock)
    sock.schedule_ping()
    return sock


def sent(sock: Any) -> list[int | None]:
    """Packet types queued for ``sock`` (taken off the queue)."""
    types = []
    while not sock.queue.empty():
        pkt = sock.queue.get_nowait()
        types.append(None if pkt is None else pkt.packet_type)
    return types


def pong(sock: Any) -> None:
    sock.receive(engine_packet.Packet(engine_packet.PONG))


def test_every_socket_gets_its_ping_one_interval_after_connect() -> None:
    server, scheduler, clock, _ = driven_server()
    first = connected(server)
    clock.now += 5
    second = connected(server)
    assert first.last_ping is None and second.last_ping is None  # a ping is scheduled
    clock.now += INTERVAL - 5 - 0.5  # (steps of 0.5 s: exact in binary)
    scheduler.tick(clock.now)
    assert sent(first) == sent(second) == []
    clock.now += 0.5
    scheduler.tick(clock.now)
    assert sent(first) == [engine_packet.PING] and sent(second) == []
    assert first.last_ping is not None  # as engine.io: the time the ping went
    clock.now += 5
    scheduler.tick(clock.now)
    assert sent(second) == [engine_packet.PING]


def test_the_next_ping_goes_one_interval_after_the_pong() -> None:
    server, scheduler, clock, disconnects = driven_server()
    sock = connected(server)
    clock.now += INTERVAL
    scheduler.tick(clock.now)
    assert sent(sock) == [engine_packet.PING]
    clock.now += 3
    pong(sock)
    pong(sock)  # an extra PONG schedules nothing more (engine.io's rule)
    assert len(scheduler.pings) == 1
    clock.now += TIMEOUT  # past the unanswered-ping check: this one was answered
    scheduler.tick(clock.now)
    assert not scheduler.checks and not sock.closed and disconnects == []
    clock.now += INTERVAL - TIMEOUT - 0.5  # the PONG came 3 s after the PING
    scheduler.tick(clock.now)
    assert sent(sock) == []
    clock.now += 0.5
    scheduler.tick(clock.now)
    assert sent(sock) == [engine_packet.PING]


def test_a_client_that_stops_answering_pings_is_closed() -> None:
    server, scheduler, clock, disconnects = driven_server()
    sock = connected(server)
    clock.now += INTERVAL
    scheduler.tick(clock.now)
    assert sent(sock) == [engine_packet.PING]
    sock.last_ping -= TIMEOUT + 1  # the fault: no PONG, and the timeout passed (wall clock)
    clock.now += TIMEOUT
    scheduler.tick(clock.now)
    assert not sock.closed  # engine.io's timeout, plus a margin for the two clocks
    clock.now += TIMEOUT_MARGIN * 2
    scheduler.tick(clock.now)
    assert sock.closed
    assert disconnects == [(sock.sid, server.reason.PING_TIMEOUT)]
    assert sent(sock)[-1:] == [None]  # the end marker: its transport closes
    assert sock.sid not in server.sockets


def test_nothing_is_sent_to_a_closed_socket_and_it_is_not_held() -> None:
    server, scheduler, clock, _ = driven_server()
    sock = connected(server)
    ref = weakref.ref(sock)
    sock.close(wait=False, abort=True)
    del sock
    gc.collect()
    assert ref() is None  # freed although its ping is still scheduled
    clock.now += INTERVAL
    scheduler.tick(clock.now)  # finds no socket for that sid: nothing to do
    assert not scheduler.pings and not scheduler.checks


def test_the_wait_is_until_the_next_due_and_never_longer_than_the_interval() -> None:
    server, scheduler, clock, _ = driven_server()
    assert scheduler.wait(clock.now) == INTERVAL  # nothing scheduled
    connected(server)
    clock.now += 10
    assert scheduler.wait(clock.now) == INTERVAL - 10
    clock.now += 100
    assert scheduler.wait(clock.now) == 0.0  # overdue: at once
    slow = engineio.Server(async_mode="threading", ping_interval=5, ping_timeout=60)
    late = PingScheduler(slow, clock)
    late.checks.append((clock.now + 60, "sid"))
    assert late.wait(clock.now) == 5  # a ping scheduled meanwhile is due in 5 s at the soonest


def test_one_task_for_every_socket_of_a_server() -> None:
    started: list[Any] = []

    class Counting(engineio.Server):  # type: ignore[misc]
        def start_background_task(self, target: Any, *args: Any, **kwargs: Any) -> Any:
            started.append(target)
            return object()

    server = Counting(async_mode="threading")
    for _ in range(3):
        connected(server)
    assert len(started) == 1 and pings_of(server) is server.gateway_pings
    assert len(server.gateway_pings.pings) == 3
    assert pings_of(engineio.Server(async_mode="threading")) is not server.gateway_pings


def test_the_real_task_pings_and_closes_a_silent_client() -> None:
    server = engineio.Server(async_mode="threading", ping_interval=0.2, ping_timeout=0.2)
    answering, silent = connected(server), connected(server)
    deadline = time.monotonic() + 10
    pings = 0
    while (pings < 3 or not silent.closed) and time.monotonic() < deadline:
        time.sleep(0.02)
        if engine_packet.PING in sent(answering):
            pings += 1
            pong(answering)
    assert pings >= 3, "the answering client was not pinged again and again"
    assert silent.closed, "the silent client was not closed"
    assert not answering.closed
    answering.close(wait=False, abort=True)


def test_the_engine_io_ping_rules_this_copies_are_still_there() -> None:
    """PingScheduler copies ``Socket._send_ping``; ReleasingSocket ``schedule_ping``."""
    import inspect

    send_ping = inspect.getsource(engine_socket_module.Socket._send_ping)
    assert "self.server.sleep(self.server.ping_interval)" in send_ping
    assert "if not self.closing and not self.closed:" in send_ping
    assert "self.last_ping = time.time()" in send_ping and "packet.PING" in send_ping
    schedule = inspect.getsource(engine_socket_module.Socket.schedule_ping)
    assert "if self.last_ping:" in schedule and "self.last_ping = None" in schedule
    assert "self.schedule_ping()" in inspect.getsource(engine_socket_module.Socket.receive)
    check = inspect.getsource(engine_socket_module.Socket.check_ping_timeout)
    assert "time.time() - last_ping > self.server.ping_timeout" in check
    assert "s.schedule_ping()" in inspect.getsource(engineio.Server._handle_connect)
    assert engine_sockets.ReleasingSocket.schedule_ping is not (
        engine_socket_module.Socket.schedule_ping
    )
