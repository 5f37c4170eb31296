"""The engine.io sockets under python-socketio: the one package that reaches into the
internals of python-engineio (4.15.1) and of eventlet's WebSocket (0.41.3), both pinned in
uv.lock. Everything it offers is imported from here.

Why, in three parts:

- :mod:`.direct` (speed): a broadcast through the library puts one packet on every
  client's queue, which wakes one writer green thread per client to frame and send it (two
  context switches, a hub timer and a frame per delivery). Here the frame is built once
  per event and written straight to each WebSocket client's socket when nothing is waiting
  for that client; anything else goes the library's way, so order holds.
- :mod:`.pings` and :mod:`.sockets` (memory): engine.io gives each connection a ping task
  (a green thread that sleeps 25 s) and, over WebSocket, a writer task blocked on the
  queue for the connection's whole life. One :class:`PingScheduler` per server sends every
  socket's pings; :class:`ReleasingSocket` writes packets straight to the socket and
  starts a writer (a *drainer*) only while packets wait. A closed socket is freed at once.
- :mod:`.polls`: polling payloads of at most 16 packets; the queue as the backlog.

The internals used, checked by tests/unit/test_gateway_engine_sockets.py,
test_gateway_engine_pings.py, test_gateway_engine_writer.py and
test_gateway_engine_release.py so that an upgrade that moves them fails there:

- ``engineio.socket.Socket``: ``queue`` (what the writer has not taken yet; ``task_done``
  per packet taken, as ``close(wait=True)`` joins it), ``poll()``,
  ``upgraded``/``upgrading``/``closing``/``closed``, ``last_ping`` and
  ``check_ping_timeout()``; ``_websocket_handler(ws)`` (reached through
  ``server._async['websocket']``, whose first argument is that bound handler; copied
  without its writer task), ``schedule_ping``/``_send_ping`` (copied for the shared
  scheduler), ``send`` and ``close`` (wrapped);
- ``engineio.Server``: ``sockets`` (sid -> socket), ``ping_interval``/``ping_timeout``;
- eventlet's ``RFC6455WebSocket``: ``socket`` (a ``GreenSocket`` whose ``fd`` is the real,
  non-blocking socket), ``_sendlock`` (held while a frame is being written, with
  ``_waiters`` queued for it), ``websocket_closed``.

``permessage-deflate`` is not negotiated (as in Node's Socket.IO, whose default is off):
compression is per connection, so one frame could not serve every client.
"""

from gateway.adapters.engine_sockets.direct import Lane, install, websocket_frame, write_now
from gateway.adapters.engine_sockets.pings import (
    PINGS_PER_SLICE,
    TIMEOUT_MARGIN,
    PingScheduler,
    pings_of,
)
from gateway.adapters.engine_sockets.polls import (
    MAX_PACKETS_PER_POLL,
    CappedPollSocket,
    backlog,
    backlogged,
    cap_polls,
    discard_backlog,
)
from gateway.adapters.engine_sockets.sockets import ALIVE, SOCKETS_ALIVE, ReleasingSocket, adopt

__all__ = [
    "ALIVE",
    "MAX_PACKETS_PER_POLL",
    "PINGS_PER_SLICE",
    "SOCKETS_ALIVE",
    "TIMEOUT_MARGIN",
    "CappedPollSocket",
    "Lane",
    "PingScheduler",
    "ReleasingSocket",
    "adopt",
    "backlog",
    "backlogged",
    "cap_polls",
    "discard_backlog",
    "install",
    "pings_of",
    "websocket_frame",
    "write_now",
]
