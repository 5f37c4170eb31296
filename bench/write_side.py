"""Benchmark: commands per second through the API, and relay lag (commit → broker confirm).

Runs the API (gunicorn, as in compose) and the relay on a fresh PostgreSQL database with
unique broker names, sends ``--commands`` todo creations from ``--clients`` threads, and
reads the relay's ``relay_lag_seconds`` histogram. Not a test: it prints figures.

    .venv/bin/python bench/write_side.py --commands 2000 --clients 8
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.api import ApiClient
from tests.support.broker import Tap
from tests.support.stack import DatabaseFactory


def histogram_quantile(metrics: str, name: str, q: float) -> float:
    buckets = [
        (float(le), float(v))
        for le, v in re.findall(rf'{name}_bucket{{le="([^"]+)"}} (\S+)', metrics)
        if le != "+Inf"
    ]
    total = float(re.search(rf"{name}_count (\S+)", metrics).group(1))  # type: ignore[union-attr]
    for bound, count in buckets:
        if count >= q * total:
            return bound
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    factory = DatabaseFactory()
    stack = factory.new_stack()
    tap = Tap(stack.exchange)
    try:
        stack.start("api")
        stack.start("relay")
        users = [ApiClient(stack.url("api")) for _ in range(args.clients)]
        lists = [u.create_list()["id"] for u in users]
        per_client = args.commands // args.clients

        finished: list[float] = []

        def work(i: int) -> None:
            for n in range(per_client):
                users[i].add_todo(lists[i], f"todo {n}")
            finished.append(time.perf_counter())

        total = per_client * args.clients + args.clients
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            futures = [pool.submit(work, i) for i in range(args.clients)]
            tap.drain(total, timeout=300)  # read as they arrive, to time each one
            for future in futures:
                future.result()
        elapsed = max(finished) - started
        drained = time.perf_counter() - started
        # Command → consumer: the event's occurred_at (set in the command's transaction,
        # just before commit) to the moment the tap read it from its queue.
        lags = sorted(
            received - datetime.fromisoformat(envelope["occurred_at"]).timestamp()
            for envelope, received in zip(tap.envelopes(), tap.received_at, strict=True)
        )
        p50, p99 = lags[len(lags) // 2], lags[int(len(lags) * 0.99)]
        metrics = requests.get(stack.url("relay") + "/metrics", timeout=5).text
        bucket50 = histogram_quantile(metrics, "relay_lag_seconds", 0.5)
        bucket = histogram_quantile(metrics, "relay_lag_seconds", 0.99)
        commands = per_client * args.clients
        print(
            f"commands: {commands} from {args.clients} clients in {elapsed:.2f}s = {commands / elapsed:.0f} commands/s"
        )
        print(
            f"relay: {len(tap.messages)} events on the exchange, the last {drained - elapsed:.2f}s after the last command; "
            f"command→consumer p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; "
            f"relay_lag_seconds (commit→confirm) p50 ≤ {bucket50 * 1000:.0f} ms, p99 ≤ {bucket * 1000:.0f} ms (histogram bounds)"
        )
    finally:
        tap.close()
        stack.teardown()
        factory.cleanup()


if __name__ == "__main__":
    main()
