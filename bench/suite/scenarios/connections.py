"""3. Connections: RSS and idle CPU of one server holding N idle subscribed clients, this
gateway vs the Node peer. Each count gets fresh servers; RSS per connection =
(RSS with the clients − RSS before they connected) / N."""

from __future__ import annotations

import time
from typing import Any

from bench.suite.context import AMQP_URL, Context
from bench.suite.cpu import rss_kib
from bench.suite.procs import NodeLoad
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from bench.suite.scenarios.servers import fanout_arms, stop_peers


def run(ctx: Context) -> list[dict[str, Any]]:
    counts = ctx.pick([500], [1000, 5000, 10000])
    idle_s = ctx.pick(3, 10)
    rows = []
    for count in counts:
        rounds = Rounds()
        stack = ctx.factory.new_stack()
        try:
            arms = fanout_arms(ctx, stack, peers=("node",))
            for _ in range(ctx.settings.rounds):
                for arm in arms:
                    before = rss_kib(arm.pid)
                    load = NodeLoad(
                        "ws_clients.js",
                        {
                            "urls": [arm.url],
                            "clients": count,
                            "channel": "public:idle",
                            "protocol": "socketio",
                            "amqp": {"url": AMQP_URL, "exchange": arm.exchange},
                            "connectBatch": 200,
                        },
                    )
                    try:
                        time.sleep(2)

                        def idle(
                            load: NodeLoad = load,
                            pid: int = arm.pid,
                            before: int = before,
                            count: int = count,
                        ) -> dict[str, Any]:
                            time.sleep(idle_s)
                            result = load.send({"mode": "idle"})
                            result["rss_kib"] = rss_kib(pid)
                            result["rss_per_connection_kib"] = (result["rss_kib"] - before) / count
                            return result

                        result = measure(
                            idle,
                            ctx.settings,
                            {"server": {arm.pid}, "loadgen": {load.pid}},
                            f"connections {arm.name} {count}",
                        )
                        result["connect_s"] = load.connect_s
                        rounds.add(arm.name, result)
                    finally:
                        load.close()
        finally:
            stop_peers(ctx)
            stack.teardown()
        case = f"{count:,} idle clients"
        rows += [
            row(
                "connections",
                case,
                "RSS per connection",
                "KiB",
                "lower",
                rounds,
                lambda x: x["rss_per_connection_kib"],
                peer="node",
                target="≤ 25 KB at 5,000" if count == 5000 else "",
                plot=count == counts[-1] or count == 5000,
            ),
            row(
                "connections",
                case,
                "server RSS",
                "MiB",
                "lower",
                rounds,
                lambda x: x["rss_kib"] / 1024,
                peer="node",
            ),
            row(
                "connections",
                case,
                "idle server CPU (cores)",
                "",
                "lower",
                rounds,
                lambda x: x["cpu"]["server_cores"],
                peer="node",
                plot=count == counts[-1],
            ),
            row(
                "connections",
                case,
                "connect + subscribe all",
                "s",
                "lower",
                rounds,
                lambda x: x["connect_s"],
                peer="node",
            ),
        ]
    return rows
