"""Starting the fan-out servers side by side: this gateway, the Node peer, the eventlet peer."""

from __future__ import annotations

from dataclasses import dataclass

from bench.suite.context import AMQP_URL, GATEWAY_ENV, PYTHON, Context, start_pinned
from bench.suite.procs import BENCH, NODE_MODULES, start_server, stop, wait_http
from tests.support.stack import Stack, free_port


@dataclass
class Arm:
    """One server under load: where clients connect, where to publish, whose CPU to count."""

    name: str
    url: str
    exchange: str
    pid: int


def fanout_arms(
    ctx: Context, stack: Stack, peers: tuple[str, ...] = ("node", "eventlet")
) -> list[Arm]:
    """Start this system's gateway and the peers, each on its own exchange; stop them with
    :func:`stop_peers` (the gateway stops with the stack)."""
    pid = start_pinned(stack, "gateway", GATEWAY_ENV)
    arms = [Arm("system", stack.url("gateway").replace("http", "ws"), stack.exchange, pid)]
    ctx.extra.setdefault("peer_procs", [])
    commands = {
        "node": ["node", str(BENCH / "peers" / "node_fanout" / "server.js")],
        "eventlet": [PYTHON, str(BENCH / "peers" / "eventlet_fanout.py")],
    }
    for name in peers:
        port = free_port()
        exchange = f"{stack.exchange}.{name}"
        proc = start_server(
            commands[name],
            {
                "PORT": str(port),
                "AMQP_URL": AMQP_URL,
                "EVENTS_EXCHANGE": exchange,
                "NODE_PATH": str(NODE_MODULES),
            },
            ctx.log_dir / f"peer-{name}.log",
        )
        ctx.extra["peer_procs"].append((proc, exchange))
        wait_http(f"http://127.0.0.1:{port}/healthz")
        arms.append(Arm(name, f"ws://127.0.0.1:{port}", exchange, proc.pid))
    return arms


def stop_peers(ctx: Context) -> None:
    import pika

    procs = ctx.extra.pop("peer_procs", [])
    for proc, _ in procs:
        stop(proc)
    conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        channel = conn.channel()
        for _, exchange in procs:
            channel.exchange_delete(exchange)
    finally:
        conn.close()
