"""One ping task for every engine.io socket of a server (engine.io: one green thread each)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from engineio import packet as engine_packet

log = logging.getLogger(__name__)

#: How long after ``ping_timeout`` the scheduler checks an unanswered PING (engine.io's
#: check is ``elapsed > ping_timeout``, on the wall clock; the scheduler waits on another).
TIMEOUT_MARGIN = 0.1
#: PINGs sent before the scheduler lets other green threads run.
PINGS_PER_SLICE = 200

_STARTING = threading.Lock()


class PingScheduler:
    """Every adopted socket's pings, from one background task of the server's async mode.

    engine.io's rules, kept (``Socket.schedule_ping``/``_send_ping``): the first PING goes
    ``ping_interval`` after the connect, each next one ``ping_interval`` after the client's
    PONG, ``last_ping`` is set when it goes, and a client that has not answered within
    ``ping_timeout`` is closed by ``check_ping_timeout`` (reason ``ping timeout``) — here
    right after that time, on top of engine.io's own sweep over every socket. All waits of
    one kind are equally long, so things fall due in the order they were scheduled: two
    FIFO queues, no heap. Entries name a socket by sid, so a closed socket is freed at once.
    """

    def __init__(self, server: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.server = server
        self.clock = clock
        self.pings: deque[tuple[float, str]] = deque()  # (due, sid): send a PING
        self.checks: deque[tuple[float, str]] = deque()  # (due, sid): PING answered yet?
        self.task: Any = None

    def schedule(self, engine_socket: Any) -> None:
        """Send ``engine_socket`` a PING ``ping_interval`` from now."""
        self.pings.append((self.clock() + self.server.ping_interval, engine_socket.sid))

    def run(self) -> None:
        """The background task: forever, send what is due, then sleep until the next."""
        while True:
            try:
                self.tick(self.clock())
            except Exception:  # never stop pinging: every client would time out
                log.exception("ping scheduler error")
            self.server.sleep(self.wait(self.clock()))

    def wait(self, now: float) -> float:
        """Seconds until something falls due; at most ``ping_interval``, so that a socket
        scheduled meanwhile (due a whole interval after it was) is never late."""
        heads = [q[0][0] for q in (self.pings, self.checks) if q]
        return max(0.0, min([*heads, now + self.server.ping_interval]) - now)

    def tick(self, now: float) -> None:
        """Send the PINGs that are due; close the clients that left one unanswered."""
        sockets = self.server.sockets
        pings, checks = self.pings, self.checks
        check_at = now + self.server.ping_timeout + TIMEOUT_MARGIN
        sent = 0
        while pings and pings[0][0] <= now:
            engine_socket = sockets.get(pings.popleft()[1])
            if engine_socket is None or engine_socket.closing or engine_socket.closed:
                continue
            engine_socket.last_ping = time.time()  # as engine.io's _send_ping
            self._safely(engine_socket.send, engine_packet.Packet(engine_packet.PING))
            checks.append((check_at, engine_socket.sid))
            sent += 1
            if sent % PINGS_PER_SLICE == 0:
                self.server.sleep(0)  # thousands due at once: let the fan-out run between
        while checks and checks[0][0] <= now:
            engine_socket = sockets.get(checks.popleft()[1])
            if engine_socket is not None and not engine_socket.closing and not engine_socket.closed:
                self._safely(engine_socket.check_ping_timeout)  # closes it if the PONG is late

    @staticmethod
    def _safely(call: Callable[..., Any], *args: Any) -> None:
        try:
            call(*args)
        except Exception:  # one socket's trouble must not cost the others their pings
            log.exception("ping scheduler: a socket failed")


def pings_of(server: Any) -> PingScheduler:
    """The server's one :class:`PingScheduler`, started on first use."""
    with _STARTING:  # (threading mode: two first connects at once)
        scheduler: PingScheduler | None = getattr(server, "gateway_pings", None)
        if scheduler is None:
            scheduler = server.gateway_pings = PingScheduler(server)
        if scheduler.task is None:
            scheduler.task = server.start_background_task(scheduler.run)
    return scheduler
