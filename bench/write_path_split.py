"""Tool (not a test, not a scenario): CPU per command of each of the four processes while 16
keep-alive clients create todos, and what the store's connections wait on.

Usage: ``.venv/bin/python bench/write_path_split.py [seconds] ['{"ENV": "value"}']``. Starts
the system as the write-path scenario does (``bench/suite/scenarios/system.py`` with its
``API_ENV``), reads ``/proc/<pid>/stat`` of each process and its children before and after
the load, and samples ``pg_stat_activity`` of the stack's database every 20 ms. With
``SPY=1`` it also records a py-spy ``--gil`` profile of each process into ``var/bench/``.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import contextlib

from bench.suite.context import Context
from bench.suite.cpu import TICK, descendants, process_ticks
from bench.suite.procs import NodeLoad, pin_self
from bench.suite.runner import Settings
from bench.suite.scenarios.system import start_system, user_with_lists
from bench.suite.scenarios.write_path import API_ENV, CLIENTS
from tests.support.stack import PG_ADMIN, DatabaseFactory

OUT = Path("var") / "bench"


def ticks(pid: int) -> int:
    total = 0
    for p in descendants({pid}):
        with contextlib.suppress(OSError):
            total += process_ticks(Path(f"/proc/{p}/stat").read_text())
    return total


def sample_waits(dbname: str, stop: threading.Event, waits: collections.Counter) -> None:
    sql = (
        "SELECT state, coalesce(wait_event_type || ':' || wait_event, '-'), left(query, 40) "
        "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    )
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        while not stop.is_set():
            for state, wait, query in conn.execute(sql, [dbname]):
                waits[(state, wait, query if state == "active" else "")] += 1
            time.sleep(0.02)


def main() -> int:
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    env = {**API_ENV, **(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})}
    pin_self()
    factory = DatabaseFactory()
    ctx = Context(Settings(quick=True, rounds=1, retries=0), factory, OUT / "split")
    stack, pids = start_system(ctx, api_env=env)
    try:
        api = stack.url("api")
        users = [user_with_lists(api) for _ in range(CLIENTS)]
        targets = [
            {"path": f"/api/lists/{u['list_ids'][0]}/todos", "token": u["token"]} for u in users
        ]
        load = NodeLoad(
            "http_load.js",
            {
                "mode": "write",
                "concurrency": CLIENTS,
                "durationS": duration,
                "base": api,
                "targets": targets,
            },
        )
        spies = []
        if os.environ.get("SPY"):
            OUT.mkdir(parents=True, exist_ok=True)
            for name, pid in pids.items():
                argv = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid)]
                argv += ["--subprocesses", "--gil", "-r", "100", "-f", "raw", "--nonblocking"]
                argv += ["-o", str(OUT / f"split-{name}.raw"), "-d", str(int(duration) + 1)]
                spies.append(
                    subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                )
        waits: collections.Counter = collections.Counter()
        stop = threading.Event()
        sampler = threading.Thread(
            target=sample_waits, args=(stack.database_url.rsplit("/", 1)[1], stop, waits)
        )
        sampler.start()
        before = {k: ticks(p) for k, p in pids.items()}
        started = time.monotonic()
        result = load.send("go")
        elapsed = time.monotonic() - started
        after = {k: ticks(p) for k, p in pids.items()}
        load.close()
        stop.set()
        sampler.join()
        for spy in spies:
            spy.wait(60)
        done = max(int(result["ok"]), 1)
        lat = result["latency_ms"]
        print(
            f"{result['requests_per_s']:.1f} commands/s, p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms"
        )
        for name in pids:
            cpu = (after[name] - before[name]) / TICK
            print(
                f"  {name:10s} {cpu / elapsed:.2f} cores  {cpu / done * 1000:.2f} ms CPU per command"
            )
        samples = sum(waits.values()) or 1
        print("  the store's connections, share of samples:")
        for key, count in waits.most_common(8):
            print(f"    {count / samples * 100:5.1f}% {key}")
    finally:
        stack.teardown()
        factory.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
