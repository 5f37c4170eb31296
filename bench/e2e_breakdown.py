"""Tool (not a test, not a scenario): where the end-to-end tail is, per event and per stage.

Usage: ``.venv/bin/python bench/e2e_breakdown.py [clients] [rate] [events] [runs]`` (defaults
1000 10 100 2; run it under ``flock /work/bench.lock``). Starts the system as the e2e scenario
does, subscribes ``clients`` raw Socket.IO clients to one list, POSTs ``events`` todos at
``rate``/s (``ws_clients.js`` e2e mode with ``trace``) and joins, per event, the wall-clock
times (ms) of: the POST sent and answered (load generator), the event's ``occurred_at`` (the
API), the relay's "event published" line (after the confirm and the checkpoint), the
gateway's "event emitted" line, and the first and last client delivery. Prints the stage
percentiles over events and the slowest events; writes the joined rows to
``var/bench/e2e-breakdown.json``. Log lines carry millisecond timestamps. Per run it also
prints each process's CPU seconds, how long its threads waited for a CPU (schedstat's
run delay) and the CPU of everything else on the machine (other users disturb the tail).
Knobs for A/B runs: ``NAMES``, ``GATEWAY_EXTRA``, ``NICE``, ``SPY`` (see below).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from bench.suite.context import GATEWAY_ENV, Context
from bench.suite.cpu import TICK, descendants, process_ticks
from bench.suite.procs import NodeLoad, pin_self
from bench.suite.runner import Settings
from bench.suite.scenarios.system import realtime_token, start_system, user_with_lists
from bench.suite.scenarios.write_path import API_ENV
from tests.support.stack import DatabaseFactory

OUT = Path("var") / "bench"


def ms(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


def log_times(path: Path, message: str) -> dict[int, float]:
    found = {}
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == message and isinstance(rec.get("position"), int):
            found.setdefault(rec["position"], ms(rec["ts"]))
    return found


def ticks(pid: int) -> int:
    total = 0
    for p in descendants({pid}):
        with contextlib.suppress(OSError):
            total += process_ticks(Path(f"/proc/{p}/stat").read_text())
    return total


def run_delay_ms(pid: int) -> float:
    """Time the process's threads (and children's) spent runnable but waiting for a CPU."""
    total = 0
    for p in descendants({pid}):
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                total += int((task / "schedstat").read_text().split()[1])
    return total / 1e6


def busy_cores_ticks() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def gc_counts(url: str) -> dict[str, float]:
    """The gateway's python_gc_collections_total per generation (prometheus_client's own)."""
    import requests

    found = {}
    for line in requests.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith("gateway_fanout_writes_total{"):  # direct vs queued frame writes
            found[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
        if line.startswith("python_gc_collections_total{"):
            found[line.split('generation="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> None:
    clients, rate, events, runs = (
        [int(a) for a in sys.argv[1:5]] + [1000, 10, 100, 2][len(sys.argv) - 1 :]
    )[:4]
    pin_self()
    factory = DatabaseFactory()
    ctx = Context(Settings(quick=False, rounds=1, retries=1), factory, OUT / "breakdown")
    # Diagnostics: NAMES=api,relay,gateway leaves a process out; GATEWAY_EXTRA='{"K": "v"}'
    # adds gateway environment (e.g. GATEWAY_PRESENCE_ENABLED=0).
    names = tuple(os.environ.get("NAMES", "api,relay,projector,gateway").split(","))
    extra = json.loads(os.environ.get("GATEWAY_EXTRA", "{}"))
    GATEWAY_ENV.update(extra)
    stack, pids = start_system(ctx, names, api_env=API_ENV)
    rows: list[dict[str, Any]] = []
    try:
        api = stack.url("api")
        user = user_with_lists(api)
        list_id = user["list_ids"][0]
        token = realtime_token(user, api, [f"list:{list_id}"])
        config = {
            "clients": clients,
            "urls": [stack.url("gateway").replace("http", "ws")],
            "protocol": "socketio",
            "token": token,
            "channel": f"list:{list_id}",
            "http": {"base": api, "path": f"/api/lists/{list_id}/todos", "token": user["token"]},
        }
        print("pids", pids, file=sys.stderr, flush=True)
        # NICE='{"projector": 10}': renice every thread of those processes (A/B of priorities).
        for name, value in json.loads(os.environ.get("NICE", "{}")).items():
            for p in descendants({pids[name]}):
                for task in Path(f"/proc/{p}/task").glob("*"):
                    os.setpriority(os.PRIO_PROCESS, int(task.name), value)
        load = NodeLoad("ws_clients.js", config)
        spy = None
        if os.environ.get("SPY"):  # SPY=gateway: a py-spy profile of that process over the runs
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "-r",
                    "250",
                    "-f",
                    "raw",
                    "-d",
                    str(runs * (events // rate + 4)),
                    "-p",
                    str(pids[os.environ["SPY"]]),
                    "-o",
                    str(OUT / f"spy-{os.environ['SPY']}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            # RECONNECT_AT=2: new clients before those runs only (default: before every run)
            plan_reconnect = {int(x) for x in os.environ.get("RECONNECT_AT", "").split(",") if x}
            for run in range(runs):
                if (
                    run
                    and os.environ.get("RECONNECT")
                    and (not plan_reconnect or run in plan_reconnect)
                ):  # as the suite's rounds: new clients
                    load.close()
                    load = NodeLoad("ws_clients.js", config)
                gcs = gc_counts(stack.url("gateway"))
                before = {n: ticks(p) for n, p in pids.items()}
                waited = {n: run_delay_ms(p) for n, p in pids.items()}
                busy, loadgen = busy_cores_ticks(), ticks(load.pid)
                # RATES=10,50,10: run n at that rate, 10 s of it (the suite's sequence)
                plan = os.environ.get("RATES")
                run_rate = int(plan.split(",")[run]) if plan else rate
                command = {
                    "mode": "e2e",
                    "events": run_rate * 10 if plan else events,
                    "rate": run_rate,
                    "drainS": 60,
                    "trace": True,
                }
                result = load.send(command)
                print(
                    f"run {run}: p50 {result['latency_ms']['p50']:.1f} p99 {result['latency_ms']['p99']:.1f} "
                    f"max {result['latency_ms']['max']:.1f} missing {result['missing']}",
                    file=sys.stderr,
                    flush=True,
                )
                cpu = {n: round((ticks(p) - before[n]) / TICK, 2) for n, p in pids.items()}
                print(f"  CPU seconds: {cpu}", file=sys.stderr, flush=True)
                waits = {n: round(run_delay_ms(p) - waited[n]) for n, p in pids.items()}
                print(f"  waited for a CPU (ms): {waits}", file=sys.stderr, flush=True)
                after = gc_counts(stack.url("gateway"))
                print(
                    f"  gateway GC runs by generation, writes direct/queued: { {g: after[g] - gcs.get(g, 0) for g in after} }",
                    file=sys.stderr,
                    flush=True,
                )
                other = (busy_cores_ticks() - busy - (ticks(load.pid) - loadgen)) / TICK - sum(
                    cpu.values()
                )
                print(
                    f"  CPU seconds of everything else (services, other users): {other:.2f}",
                    file=sys.stderr,
                    flush=True,
                )
                early = [r["last"] - r["sent"] for r in result["trace"][:10] if r and r.get("last")]
                later = [r["last"] - r["sent"] for r in result["trace"][10:] if r and r.get("last")]
                print(
                    f"  POST -> last client, max: first 10 events {max(early):.1f}, "
                    f"the rest {max(later):.1f}; presence events {result['presence_events']}",
                    file=sys.stderr,
                    flush=True,
                )
                for r in result["trace"]:
                    if r:
                        rows.append({"run": run, **r})
        finally:
            load.close()
            if spy:
                spy.wait()
        relay = log_times(stack.log_dir / "relay.log", "event published")
        gateway = log_times(stack.log_dir / "gateway.log", "event emitted")
    finally:
        stack.teardown()
        factory.cleanup()
    for r in rows:
        if "position" not in r:
            continue
        r["occurred"] = ms(r["occurred_at"])
        r["relay"] = relay.get(r["position"])
        r["gateway"] = gateway.get(r["position"])
    stages = {
        "POST answered": lambda r: r["answered"] - r["sent"],
        "sent -> occurred_at": lambda r: r["occurred"] - r["sent"],
        "occurred_at -> relay published": lambda r: r["relay"] - r["occurred"],
        "relay published -> gateway emitted": lambda r: r["gateway"] - r["relay"],
        "gateway emitted -> first client": lambda r: r["first"] - r["gateway"],
        "first -> last client": lambda r: r["last"] - r["first"],
        "sent -> first client": lambda r: r["first"] - r["sent"],
        "sent -> last client": lambda r: r["last"] - r["sent"],
    }
    full = [r for r in rows if r.get("relay") and r.get("gateway") and r.get("first")]
    print(f"{len(full)} events joined of {len(rows)}")
    print(f"{'stage':38} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}")
    for name, f in stages.items():
        v = [f(r) for r in full]
        print(f"{name:38} {pct(v, 0.5):7.1f} {pct(v, 0.9):7.1f} {pct(v, 0.99):7.1f} {max(v):7.1f}")
    print("slowest events (sent -> last), stage ms:")
    for r in sorted(full, key=lambda r: r["last"] - r["sent"], reverse=True)[:10]:
        print(
            f"  run {r['run']} pos {r['position']}: "
            + " ".join(f"{f(r):.1f}" for f in stages.values())
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "e2e-breakdown.json").write_text(json.dumps(rows))


if __name__ == "__main__":
    main()
