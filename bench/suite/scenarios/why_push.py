"""6. Why push: N users polling GET /api/lists/{id} every 1 s / 5 s while the list changes
once a second, against the same N users subscribed through the gateway with the same change
rate. Requests/s the API answers, CPU of this system's processes, staleness (commit of a
change → the user sees it)."""

from __future__ import annotations

from typing import Any

from bench.suite.context import Context
from bench.suite.procs import NodeLoad
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from bench.suite.scenarios.system import realtime_token, start_system, user_with_lists

CHANGE_RATE = 1


def run(ctx: Context) -> list[dict[str, Any]]:
    users = ctx.pick(100, 1000)
    duration = ctx.pick(6, 20)
    stack, pids = start_system(ctx)
    rounds = {name: Rounds() for name in ("poll 1 s", "poll 5 s", "push")}
    everything = set(pids.values())
    try:
        api = stack.url("api")
        user = user_with_lists(api)
        list_id = user["list_ids"][0]
        token = realtime_token(user, api, [f"list:{list_id}"])
        for _ in range(ctx.settings.rounds):
            for interval in (1000, 5000):
                load = NodeLoad(
                    "http_load.js",
                    {
                        "mode": "poll",
                        "base": api,
                        "token": user["token"],
                        "users": users,
                        "intervalMs": interval,
                        "pollPath": f"/api/lists/{list_id}",
                        "writePath": f"/api/lists/{list_id}/todos",
                        "changeRate": CHANGE_RATE,
                        "durationS": max(duration, 3 * interval / 1000),
                        "maxSockets": 64,
                    },
                )
                result = measure(
                    lambda load=load: load.send("go"),
                    ctx.settings,
                    {"server": everything, "loadgen": {load.pid}},
                    f"why push poll {interval} ms",
                )
                load.close()
                result["staleness"] = result["staleness_ms"]
                rounds[f"poll {interval // 1000} s"].add("system", result)
            load = NodeLoad(
                "ws_clients.js",
                {
                    "clients": users,
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
            )
            command = {
                "mode": "e2e",
                "events": CHANGE_RATE * duration,
                "rate": CHANGE_RATE,
                "drainS": 30,
            }
            result = measure(
                lambda c=command, load=load: load.send(c),
                ctx.settings,
                {"server": everything, "loadgen": {load.pid}},
                "why push push",
            )
            load.close()
            result["staleness"] = result["latency_ms"]
            result["requests_per_s"] = CHANGE_RATE  # the writes only; nobody asks
            rounds["push"].add("system", result)
    finally:
        stack.teardown()
    rows = []
    for name, r in rounds.items():
        case = f"{users:,} users, {CHANGE_RATE} change/s, {name}"
        rows += [
            row(
                "why push",
                case,
                "API requests/s answered",
                "/s",
                "lower",
                r,
                lambda x: x["requests_per_s"],
            ),
            row(
                "why push",
                case,
                "CPU of this system (cores)",
                "",
                "lower",
                r,
                lambda x: x["cpu"]["server_cores"],
            ),
            row(
                "why push",
                case,
                "staleness mean",
                "ms",
                "lower",
                r,
                lambda x: x["staleness"]["mean"],
            ),
            row(
                "why push", case, "staleness p99", "ms", "lower", r, lambda x: x["staleness"]["p99"]
            ),
        ]
    return rows
