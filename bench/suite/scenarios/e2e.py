"""2. End to end: POST a todo → every one of N subscribed clients receives it, through the
API (gunicorn), PostgreSQL, relay, RabbitMQ and gateway; vs Django Channels (daphne +
channels_redis group_send after a plain ORM write). Every delivery is checked: none
missing, none doubled, in order (the load generator counts each per client)."""

from __future__ import annotations

from typing import Any

from bench.suite.context import Context
from bench.suite.procs import NodeLoad
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from bench.suite.scenarios.django_peer import start_peer
from bench.suite.scenarios.system import realtime_token, start_system, user_with_lists
from bench.suite.scenarios.write_path import API_ENV

WARMUP_COMMANDS = 10  # sent and drained before the timed commands of each arm and round


def keep_trace(ctx: Context, label: str, result: dict[str, Any]) -> None:
    """Per event: POST sent and answered, first and last delivery (ms, wall clock), kept in
    the run's log directory (``e2e-trace-<arm>-<rate>-<round>.json``), not in the results:
    where a round's tail came from (``bench/e2e_breakdown.py`` joins the server logs too)."""
    import json

    trace = result.pop("trace", None)
    if trace:
        ctx.log_dir.mkdir(parents=True, exist_ok=True)
        (ctx.log_dir / f"e2e-trace-{label}.json").write_text(json.dumps(trace))


def run(ctx: Context) -> list[dict[str, Any]]:
    clients = ctx.pick(200, 1000)
    rates = ctx.pick([10], [10, 50])
    duration = ctx.pick(3, 10)
    # Limits off as in the write path: one bench user sends every command, and the per-user
    # write limit (600/60) refused the 601st of a run (1,000 "missing" deliveries, once).
    stack, pids = start_system(ctx, api_env=API_ENV)
    peer = start_peer(ctx, "daphne", lists=1)
    per_rate = {rate: Rounds() for rate in rates}
    try:
        api = stack.url("api")
        user = user_with_lists(api)
        list_id = user["list_ids"][0]
        token = realtime_token(user, api, [f"list:{list_id}"])
        peer_list = peer.list_ids[0]
        arms = {
            "system": (
                {
                    "urls": [stack.url("gateway").replace("http", "ws")],
                    "protocol": "socketio",
                    "token": token,
                    "channel": f"list:{list_id}",
                    "http": {
                        "base": api,
                        "path": f"/api/lists/{list_id}/todos",
                        "token": user["token"],
                    },
                },
                {pids["api"], pids["relay"], pids["gateway"]},
            ),
            "channels": (
                {
                    "urls": [peer.url.replace("http", "ws")],
                    "protocol": "channels",
                    "connectBatch": 20,
                    "connectPauseMs": 100,
                    "path": f"/ws/lists/{peer_list}/",
                    "http": {
                        "base": peer.url,
                        "path": f"/api/lists/{peer_list}/todos",
                        "token": peer.token,
                    },
                },
                {peer.pid},
            ),
        }
        for _ in range(ctx.settings.rounds):
            for name, (config, server_pids) in arms.items():
                load = NodeLoad("ws_clients.js", {"clients": clients, **config})
                try:
                    # Not counted: the first events after the clients connected were always
                    # the slowest (fan-out 30–67 ms against a median of 14–16; not GC, not
                    # the queued path: bench/e2e_breakdown.py). Both arms get the same.
                    load.send({"mode": "e2e", "events": WARMUP_COMMANDS, "rate": 10, "drainS": 20})
                    for rate in rates:
                        command = {
                            "mode": "e2e",
                            "events": rate * duration,
                            "rate": rate,
                            "drainS": 60,
                            "trace": True,
                        }
                        result = measure(
                            lambda c=command, load=load: load.send(c),
                            ctx.settings,
                            {"server": server_pids, "loadgen": {load.pid}},
                            f"e2e {name} {rate}/s",
                        )
                        keep_trace(
                            ctx,
                            f"{name}-{rate}-{len(per_rate[rate].results.get(name, []))}",
                            result,
                        )
                        per_rate[rate].add(name, result)
                finally:
                    load.close()
    finally:
        peer.close()
        stack.teardown()
    rows = []
    for rate, rounds in per_rate.items():
        for name in ("system", "channels"):
            for r in rounds.results.get(name, []):
                if r["missing"] or r["doubled"] or r["out_of_order"] or r.get("refused"):
                    ctx.notes.append(
                        f"end to end: {name} at {rate}/s lost {r['missing']}, doubled {r['doubled']}, "
                        f"reordered {r['out_of_order']} of {r['expected']} deliveries; "
                        f"{r.get('refused', 0)} commands not accepted "
                        f"(statuses {r['commands']['statuses']}; failures: {r['failureReasons']})"
                    )
        case = f"{clients:,} clients, {rate} commands/s"
        first = rate == rates[0]
        rows += [
            row(
                "end-to-end",
                case,
                "POST → each client p50",
                "ms",
                "lower",
                rounds,
                lambda x: x["latency_ms"]["p50"],
                peer="channels",
                plot=first,
            ),
            row(
                "end-to-end",
                case,
                "POST → each client p99",
                "ms",
                "lower",
                rounds,
                lambda x: x["latency_ms"]["p99"],
                peer="channels",
                target="≤ 50 ms at 10/s" if rate == 10 else "",
                plot=first,
            ),
            row(
                "end-to-end",
                case,
                "POST → last client p99",
                "ms",
                "lower",
                rounds,
                lambda x: x["post_to_last_ms"]["p99"],
                peer="channels",
                plot=first,
            ),
            row(
                "end-to-end",
                case,
                "missing + doubled + out of order",
                "",
                "lower",
                rounds,
                lambda x: x["missing"] + x["doubled"] + x["out_of_order"],
                peer="channels",
                target="0",
            ),
            row(
                "end-to-end",
                case,
                "commands not accepted",
                "",
                "lower",
                rounds,
                lambda x: x.get("refused", 0),
                peer="channels",
                target="0",
            ),
            row(
                "end-to-end",
                case,
                "server CPU (cores)",
                "",
                "lower",
                rounds,
                lambda x: x["cpu"]["server_cores"],
                peer="channels",
            ),
        ]
    return rows
