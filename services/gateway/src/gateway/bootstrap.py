"""Composition root of ``python -m gateway``: the only module (with ``__main__``) that knows
the gateway runs on eventlet. Moving to another async mode means changing this file.

Start-up: settings → logging → file-descriptor limit → listening socket (refused when the
port is taken) → :func:`build_gateway` → background tasks → eventlet's WSGI server.
SIGTERM/SIGINT: stop accepting, tell clients to reconnect, stop consuming, exit 0.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import resource
import signal
import socket
import sys
import time
from typing import Any

import eventlet
import eventlet.wsgi
from eventlet import patcher
from todo_shared.config import ConfigError, load_or_exit
from todo_shared.logs import configure_logging
from todo_shared.observability import register_build_info

from gateway.adapters.packet_guard import with_json_errors
from gateway.app import build_gateway
from gateway.options import load_options

log = logging.getLogger("gateway")

# Each connection needs one descriptor, plus some for the broker, API calls and logs.
SPARE_DESCRIPTORS = 64
# A young collection per 10,000 net allocations (CPython: 700), a middle one per 20 young
# ones (10), a full one per 100 middle ones (10). With 1,000 clients the defaults made four
# full collections in one bench run, up to ~0.5 s each on the loaded bench machine; with
# these and gc.freeze(), none (docs/gateway.md). Cyclic garbage waits longer to be freed.
GC_THRESHOLDS = (10_000, 20, 100)


def raise_descriptor_limit(wanted: int) -> int:
    """Raise the soft ``RLIMIT_NOFILE`` towards ``wanted`` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def open_listener(port: int, host: str = "0.0.0.0", reuse_port: bool = False) -> Any:
    """Listen on ``port``; without ``SO_REUSEPORT`` (the default) a stale gateway on the port
    makes us fail loudly. With it (``GATEWAY_REUSE_PORT=1``) several gateway processes share
    the port, one per core, and the kernel spreads new connections over them."""
    try:
        return eventlet.listen((host, port), reuse_port=reuse_port, backlog=1024)
    except OSError as exc:
        print(f"configuration error: port {port} is not free ({exc})", file=sys.stderr)
        raise SystemExit(2) from None


class SmallBufferProtocol(eventlet.wsgi.HttpProtocol):  # type: ignore[misc]
    """eventlet's HTTP protocol with 512-byte read and write buffers per connection
    (eventlet: 8 KiB and 16 KiB, allocated up front and held for a WebSocket's whole life,
    which reads and writes the socket itself). Larger writes bypass the buffer; a request's
    headers (a WebSocket upgrade: ~0.5 KB) take a read or two more."""

    rbufsize = 512
    wbufsize = 512


class _WsgiLog:
    """eventlet's request log, quieted (one JSON line per request would drown the rest)."""

    def write(self, line: str) -> None:
        pass


def main() -> None:
    """Run the gateway until SIGTERM or SIGINT."""
    settings = load_or_exit()
    try:
        options = load_options()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("gateway")
    register_build_info("gateway", "todo-gateway")
    for warning in settings.warnings:
        log.warning(warning)
    if not patcher.is_monkey_patched("socket"):
        print(
            "gateway: eventlet did not patch socket; start it with python -m gateway",
            file=sys.stderr,
        )
        raise SystemExit(2)
    limit = raise_descriptor_limit(options.max_connections + SPARE_DESCRIPTORS)
    if limit < options.max_connections + SPARE_DESCRIPTORS:
        log.warning(
            "file-descriptor limit is below GATEWAY_MAX_CONNECTIONS; raise ulimit -n",
            extra={"nofile": limit, "max_connections": options.max_connections},
        )
    listener = open_listener(settings.gateway_port, reuse_port=options.reuse_port)
    gateway = build_gateway(settings, options, async_mode="eventlet")
    gateway.start()
    tune_gc()
    server = eventlet.spawn(
        eventlet.wsgi.server,
        listener,
        with_json_errors(gateway.wsgi),  # security: client hang-ups logged as JSON
        log=_WsgiLog(),
        log_output=False,
        max_size=options.max_connections,
        socket_timeout=None,
        protocol=SmallBufferProtocol,  # ~23 KiB less per idle connection
    )
    stop_requested: list[int] = []

    def request_stop(signum: int, frame: object) -> None:
        stop_requested.append(signum)  # acted on by the main green thread below

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info(
        "gateway listening",
        extra={
            "port": settings.gateway_port,
            "nofile": limit,
            "max_connections": options.max_connections,
            "client_queue_limit": options.client_queue_limit,
            "reuse_port": options.reuse_port,
        },
    )
    while not stop_requested and not server.dead:
        eventlet.sleep(0.2)
    started = time.monotonic()
    log.info("gateway stopping", extra={"signal": stop_requested[:1]})
    _close_quietly(listener)  # stop accepting first, so reconnecting clients go elsewhere
    gateway.shut_down()
    server.kill()
    log.info("gateway stopped", extra={"took_s": round(time.monotonic() - started, 2)})


def tune_gc() -> None:
    """Freeze what start-up allocated (modules, settings, the wiring: no collection walks it
    again) and collect less often, so collections do not pause the fan-out."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _close_quietly(listener: socket.socket) -> None:
    with contextlib.suppress(OSError):
        listener.close()
