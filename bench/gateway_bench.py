"""Benchmark (not a test): broker -> client latency and deliveries/s with 1,000 clients.

Usage: ``.venv/bin/python bench/gateway_bench.py [--clients 1000] [--events 200] [--rate 20]``.
Needs RabbitMQ (TEST_AMQP_URL) and ``npm ci`` (the clients are the official
socket.io-client v4, run with node, all on loopback). Starts one gateway on a free port with
a scratch exchange, connects the clients to ``public:bench``, publishes ``--events``
envelopes at ``--rate`` per second (0 = as fast as the broker confirms), and prints p50/p99
latency and deliveries per second. Raises its own file-descriptor limit for the clients.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.gateway import service_envelope
from tests.support.stack import AMQP_URL, PYTHON, REPO, TEST_REALTIME_SECRET, free_port

CHANNEL = "public:bench"
NODE_CLIENTS = REPO / "tests" / "support" / "js" / "bench_clients.js"


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def start_gateway(exchange: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AMQP_URL": AMQP_URL,
        "EVENTS_EXCHANGE": exchange,
        "PROJECTOR_QUEUE": f"{exchange}.unused",
        "GATEWAY_PORT": str(port),
        "REALTIME_SECRET": TEST_REALTIME_SECRET,
        "DEBUG": "1",
    }
    proc = subprocess.Popen(
        [PYTHON, "-m", "gateway"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the gateway did not become healthy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="events/s; 0 = unthrottled")
    args = parser.parse_args()
    raise_fd_limit(args.clients * 2 + 256)
    exchange = f"todo.events.bench{uuid.uuid4().hex[:8]}"
    port = free_port()
    gateway = start_gateway(exchange, port)
    clients = subprocess.Popen(
        [
            "node",
            str(NODE_CLIENTS),
            json.dumps(
                {
                    "url": f"http://127.0.0.1:{port}",
                    "clients": args.clients,
                    "channel": CHANNEL,
                    "expect": args.events,
                    "timeoutMs": 300_000,
                }
            ),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        assert clients.stdout is not None
        started = time.monotonic()
        ready = json.loads(clients.stdout.readline())
        assert ready["kind"] == "ready", ready
        connected_in = time.monotonic() - started
        channel = connection.channel()
        channel.confirm_delivery()
        first_publish = time.time()
        for n in range(args.events):
            envelope = service_envelope(CHANNEL, {"n": n, "t": time.time()})
            channel.basic_publish(
                exchange,
                "",
                json.dumps(envelope).encode(),
                pika.BasicProperties(content_type="application/json"),
            )
            if args.rate:
                time.sleep(1 / args.rate)
        result = json.loads(clients.stdout.readline())
        span_s = (result["last_ms"] / 1000 - first_publish) if result["last_ms"] else 0
        print(
            json.dumps(
                {
                    "clients": args.clients,
                    "events": args.events,
                    "rate": args.rate or "unthrottled",
                    "connect_and_subscribe_s": round(connected_in, 2),
                    "delivered": result["delivered"],
                    "expected": result["expected"],
                    "latency_p50_ms": result["p50_ms"],
                    "latency_p99_ms": result["p99_ms"],
                    "latency_max_ms": result["max_ms"],
                    "deliveries_per_s": round(result["delivered"] / span_s) if span_s else None,
                },
                indent=2,
            )
        )
    finally:
        clients.kill()
        gateway.terminate()
        gateway.wait(30)
        connection.channel().exchange_delete(exchange)
        connection.close()


if __name__ == "__main__":
    main()
