"""1. Fan-out: N clients on one public: channel, envelopes published to the exchange.

At fixed rates: publish → each client latency. At saturation: deliveries/s with a fixed
number of events in flight (the probe client, client 0, releases the next event).
Arms: this gateway, the Node Socket.IO 4.8 + amqplib peer, stock python-socketio + pika.
"""

from __future__ import annotations

from typing import Any

from bench.suite.context import AMQP_URL, Context
from bench.suite.procs import NodeLoad
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from bench.suite.scenarios.servers import fanout_arms, stop_peers

CHANNEL = "public:bench"


def run(ctx: Context) -> list[dict[str, Any]]:
    client_counts = ctx.pick([200], [1000, 5000])
    rates = ctx.pick([10], [5, 10, 50])
    publish_s = ctx.pick(2, 8)
    inflight = 20
    stack = ctx.factory.new_stack()
    rows: list[dict[str, Any]] = []
    try:
        arms = fanout_arms(ctx, stack)
        for clients in client_counts:
            rate_rounds = {rate: Rounds() for rate in rates}
            saturation = Rounds()
            for _ in range(ctx.settings.rounds):
                for arm in arms:  # A B C A B C …
                    load = NodeLoad(
                        "ws_clients.js",
                        {
                            "urls": [arm.url],
                            "clients": clients,
                            "channel": CHANNEL,
                            "protocol": "socketio",
                            "amqp": {"url": AMQP_URL, "exchange": arm.exchange},
                        },
                    )
                    groups = {"server": {arm.pid}, "loadgen": {load.pid}}
                    try:
                        for rate in rates:
                            command = {
                                "mode": "rate",
                                "events": int(rate * publish_s),
                                "rate": rate,
                                "drainS": 60,
                            }
                            result = measure(
                                lambda c=command, load=load: load.send(c),
                                ctx.settings,
                                groups,
                                f"fanout {arm.name} {clients}c {rate}/s",
                            )
                            rate_rounds[rate].add(arm.name, result)
                        command = {
                            "mode": "saturate",
                            "inflight": inflight,
                            "durationS": publish_s + 2,
                            "warmupS": 2,
                        }
                        result = measure(
                            lambda c=command, load=load: load.send(c),
                            ctx.settings,
                            groups,
                            f"fanout {arm.name} {clients}c saturation",
                        )
                        saturation.add(arm.name, result)
                    finally:
                        load.close()
            case = f"{clients:,} clients"
            for rate in rates:
                r = rate_rounds[rate]
                for peer in ("node", "eventlet"):
                    rows.append(
                        row(
                            "fanout",
                            f"{case}, {rate} events/s",
                            "publish → client p99",
                            "ms",
                            "lower",
                            r,
                            lambda x: x["latency_ms"]["p99"],
                            peer=peer,
                            target="p99 ≤ Node's" if peer == "node" else "",
                            plot=peer == "node" and rate == rates[0],
                        )
                    )
                rows.append(
                    row(
                        "fanout",
                        f"{case}, {rate} events/s",
                        "publish → client p50",
                        "ms",
                        "lower",
                        r,
                        lambda x: x["latency_ms"]["p50"],
                        peer="node",
                    )
                )
                rows.append(
                    row(
                        "fanout",
                        f"{case}, {rate} events/s",
                        "publish → client max",
                        "ms",
                        "lower",
                        r,
                        lambda x: x["latency_ms"]["max"],
                        peer="node",
                    )
                )
                rows.append(
                    row(
                        "fanout",
                        f"{case}, {rate} events/s",
                        "delivered / expected",
                        "",
                        "higher",
                        r,
                        lambda x: x["delivered"] / x["expected"],
                        peer="node",
                    )
                )
            for peer in ("node", "eventlet"):
                rows.append(
                    row(
                        "fanout",
                        f"{case}, saturation ({inflight} in flight)",
                        "deliveries/s",
                        "/s",
                        "higher",
                        saturation,
                        lambda x: x["deliveries_per_s"],
                        peer=peer,
                        target="≥ 1.0× Node's" if peer == "node" else "",
                        plot=peer == "node",
                    )
                )
            rows.append(
                row(
                    "fanout",
                    f"{case}, saturation",
                    "server CPU (cores)",
                    "",
                    "lower",
                    saturation,
                    lambda x: x["cpu"]["server_cores"],
                    peer="node",
                )
            )
            rows.append(
                row(
                    "fanout",
                    f"{case}, saturation",
                    "load generator CPU (cores)",
                    "",
                    "lower",
                    saturation,
                    lambda x: x["cpu"]["loadgen_cores"],
                    peer="node",
                )
            )
    finally:
        stop_peers(ctx)
        stack.teardown()
    return rows
