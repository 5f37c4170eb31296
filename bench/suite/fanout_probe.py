"""``python -m bench.suite.fanout_probe CLIENTS RATE SECONDS ROUNDS [raw|flamegraph]``

The fan-out scenario's machinery (``fanout_arms``, ``NodeLoad``, ``measure``) for iterating on
the gateway: this gateway and the Node peer only, any client count, ``RATE`` events/s for
``SECONDS`` after a short warm-up, then saturation (20 in flight) for ``SECONDS``; one JSON
line per arm and round (latency percentiles, server CPU, deliveries/s, foreign CPU). With a
py-spy format, the gateway's first saturation window is profiled into ``var/bench/``.
Not part of ``make bench``; its figures are not the README's."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.suite.context import AMQP_URL, Context
from bench.suite.procs import NodeLoad, pin_self, raise_fd_limit
from bench.suite.runner import Settings, measure
from bench.suite.scenarios.servers import fanout_arms, stop_peers
from tests.support.stack import DatabaseFactory

clients, rate, secs, rounds = (int(a) for a in sys.argv[1:5])
spy = sys.argv[5] if len(sys.argv) > 5 else ""
raise_fd_limit()
pin_self()
settings = Settings(quick=True, rounds=rounds, retries=1)
factory = DatabaseFactory()
ctx = Context(settings, factory, Path("var/bench/probe-" + time.strftime("%H%M%S")))
ctx.log_dir.mkdir(parents=True, exist_ok=True)
stack = factory.new_stack()
out = []
try:
    arms = fanout_arms(ctx, stack, peers=("node",))
    for r in range(rounds):
        for arm in arms:
            load = NodeLoad(
                "ws_clients.js",
                {
                    "urls": [arm.url],
                    "clients": clients,
                    "channel": "public:bench",
                    "protocol": "socketio",
                    "amqp": {"url": AMQP_URL, "exchange": arm.exchange},
                },
            )
            groups = {"server": {arm.pid}, "loadgen": {load.pid}}
            try:
                # warm-up
                load.send({"mode": "rate", "events": 10, "rate": 20, "drainS": 20})
                cmd = {"mode": "rate", "events": rate * secs, "rate": rate, "drainS": 60}
                res = measure(
                    lambda load=load, cmd=cmd: load.send(cmd), settings, groups, f"{arm.name} rate"
                )
                sp = None
                if spy and arm.name == "system" and r == 0:
                    sp = subprocess.Popen(
                        [
                            ".venv/bin/py-spy",
                            "record",
                            "--pid",
                            str(arm.pid),
                            "--format",
                            spy,
                            "--rate",
                            "200",
                            "--duration",
                            str(secs + 4),
                            "-o",
                            str(
                                ctx.log_dir
                                / f"spy-{time.strftime('%H%M%S')}.{'txt' if spy == 'raw' else 'svg'}"
                            ),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                sat = measure(
                    lambda load=load: load.send(
                        {"mode": "saturate", "inflight": 20, "durationS": secs, "warmupS": 2}
                    ),
                    settings,
                    groups,
                    f"{arm.name} saturate",
                )
                if sp:
                    sp.wait()
                    print(f"profile: {ctx.log_dir}", file=sys.stderr)
                row = {
                    "arm": arm.name,
                    "round": r,
                    "p50": res["latency_ms"]["p50"],
                    "p90": res["latency_ms"].get("p90"),
                    "p99": res["latency_ms"]["p99"],
                    "max": res["latency_ms"]["max"],
                    "deliv": res["delivered"],
                    "exp": res["expected"],
                    "rate_foreign": res["cpu"]["foreign_cores"],
                    "rate_srv": res["cpu"].get("server_cores"),
                    "sat": round(sat["deliveries_per_s"]),
                    "sat_srv": sat["cpu"].get("server_cores"),
                    "sat_foreign": sat["cpu"]["foreign_cores"],
                }
                print(json.dumps(row), flush=True)
                out.append(row)
            finally:
                load.close()
finally:
    stop_peers(ctx)
    stack.teardown()
    factory.cleanup()
