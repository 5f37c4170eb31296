"""The fan-out's fast path in the real process, and one gateway process per core.

A WebSocket client's events are written straight to its socket, a polling client's go
through engine.io's queue (``gateway_fanout_writes_total{path}``), both get them.
``GATEWAY_REUSE_PORT=1`` lets several gateways share one port (WebSocket-only clients; the
kernel spreads TCP connections over the processes); without it a second gateway on a taken
port exits at once instead of silently sharing it.

Real broker, the real gateway processes, python-socketio clients.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gateway import GatewayClient, Publisher, metrics, service_envelope, wait_for
from tests.support.stack import Stack, free_port

pytestmark = pytest.mark.integration

CLIENTS = 16


@pytest.fixture
def stack(databases) -> Iterator[Stack]:
    stack = databases.new_stack()
    failed = True
    try:
        yield stack
        failed = False
    finally:
        stack.teardown(failed=failed)


def established_on(pid: int, port: int) -> int:
    """TCP connections of ``pid`` established on local ``port`` (from /proc, Linux)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


def test_websocket_clients_get_direct_writes_and_polling_clients_the_queue(stack) -> None:
    stack.start("gateway")
    url = stack.url("gateway")
    websocket = GatewayClient(None, ["websocket"]).connect(url)
    polling = GatewayClient(None, ["polling"]).connect(url)
    publisher = Publisher(stack.exchange)
    try:
        assert websocket.subscribe("public:paths")["ok"]
        assert polling.subscribe("public:paths")["ok"]
        before = metrics(url)
        news = service_envelope("public:paths")
        publisher.publish(news)
        wait_for(lambda: websocket.ids() == polling.ids() == [news["id"]], what="the event on both")
        after = metrics(url)

        def written(path: str) -> float:
            key = f'gateway_fanout_writes_total{{path="{path}"}}'
            return after.get(key, 0) - before.get(key, 0)

        assert written("direct") == 1  # the WebSocket client
        assert written("queued") == 1  # the polling client
    finally:
        publisher.close()
        websocket.close()
        polling.close()


def test_gateways_sharing_a_port_each_serve_some_clients_every_event(stack) -> None:
    port = free_port()
    env = {"GATEWAY_REUSE_PORT": "1"}
    first = stack.start("gateway#1", env=env, port=port)
    second = stack.start("gateway#2", env=env, port=port)
    assert first.popen is not None and second.popen is not None
    # Its health check was answered by the first: wait until it listens and consumes too.
    wait_for(
        lambda: (
            "gateway listening" in second.log_text()
            and second.log_text().count('"broker connected"') >= 2
        ),
        what="the second gateway listening and consuming",
    )
    url = f"http://127.0.0.1:{port}"
    clients = [GatewayClient(None, ["websocket"]).connect(url) for _ in range(CLIENTS)]
    publisher = Publisher(stack.exchange)
    try:
        for client in clients:
            assert client.subscribe("public:cores")["ok"]
        held = [established_on(p.popen.pid, port) for p in (first, second)]
        assert all(n > 0 for n in held), held  # the kernel spread the clients over both
        assert sum(held) >= CLIENTS
        news = service_envelope("public:cores")
        publisher.publish(news)
        wait_for(
            lambda: all(c.ids() == [news["id"]] for c in clients), what="the event on every client"
        )
    finally:
        publisher.close()
        for client in clients:
            client.close()


def test_without_reuse_port_a_second_gateway_on_a_taken_port_exits(stack) -> None:
    port = free_port()
    stack.start("gateway#1", port=port)
    second = stack.start("gateway#2", port=port, wait=False)  # the first answers its health
    assert second.popen is not None
    assert second.popen.wait(timeout=60) == 2
    assert f"port {port} is not free" in second.log_text()
