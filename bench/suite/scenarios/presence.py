"""8. Presence at scale (#18): 1,000 subscribers of one list channel on two gateways.

Two pairs of gateways run side by side on the server core, on one exchange: one pair with
presence on, one with ``GATEWAY_PRESENCE_ENABLED=0`` (the idle pair only parses the
envelopes, for no client). 1,000 clients, each a different user (tokens minted with the
stack's secret, at a position the gateways have passed, so no subscribe needs a catch-up
from the API), alternate between the two gateways of a pair and subscribe to the list
channel (presence) and to ``public:bench`` (where the fan-out's envelopes are published, as
in scenario 1). Two commands per pair, in turn:

* *steady*: 10 events/s, nobody joins or leaves (presence costs heartbeats only);
* *churn*: the same, while 10 times a second one of 100 clients leaves the list channel or
  joins it again (every change is announced to the other gateway and sent, coalesced, to
  all 1,000 viewers).

Reported: publish → client latency with presence on vs off (presence must not delay event
delivery), the two gateways' CPU, announcements/s and bytes/s between the gateways (from
their ``/metrics``), and ``presence`` events/s and bytes/s received by the clients.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bench.suite.context import AMQP_URL, GATEWAY_ENV, Context, start_pinned
from bench.suite.procs import NodeLoad
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from bench.suite.scenarios.system import user_with_lists
from tests.support.gateway import metrics, realtime_token

EVENTS = "public:bench"
SENT = "gateway_presence_announcements_sent_total{"
BYTES = "gateway_presence_announcement_bytes_sent_total"


def tokens_for(list_channel: str, count: int, position: int) -> list[str]:
    """One realtime token per simulated user (the gateway checks the signature, not the API)."""
    return [
        realtime_token(
            f"{900_000 + n}", [list_channel], position, ttl=3600, username=f"viewer{n:04d}"
        )
        for n in range(count)
    ]


def wait_position(urls: list[str], timeout: float = 60.0) -> int:
    """Until every gateway passed a store event; returns the lowest position they are at."""
    deadline = time.monotonic() + timeout
    while True:
        positions = [metrics(url).get("gateway_position", 0.0) for url in urls]
        if min(positions) > 0:
            return int(min(positions))
        if time.monotonic() > deadline:
            raise TimeoutError(f"gateways at positions {positions}: the relay passed nothing")
        time.sleep(0.2)


def presence_counters(urls: list[str]) -> dict[str, float]:
    """Announcements and their bytes sent by the gateways at ``urls``, summed."""
    sent = bytes_sent = 0.0
    for url in urls:
        values = metrics(url)
        sent += sum(v for k, v in values.items() if k.startswith(SENT))
        bytes_sent += values.get(BYTES, 0.0)
    return {"announcements": sent, "bytes": bytes_sent}


def settle(urls: list[str], quiet_s: float = 1.5, timeout: float = 60.0) -> None:
    """Until the gateways sent no ``presence`` event for ``quiet_s`` (the 1,000 joins' updates
    are sent and drained), so that a command does not measure the connect's aftermath."""

    def sent() -> float:
        return sum(metrics(url).get("gateway_presence_updates_total", 0.0) for url in urls)

    deadline = time.monotonic() + timeout
    last, since = sent(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = sent()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return


def with_presence_figures(
    load: NodeLoad, command: dict[str, Any], urls: list[str]
) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        before, started = presence_counters(urls), time.monotonic()
        result = load.send(command)
        elapsed = time.monotonic() - started
        after = presence_counters(urls)
        result["announcements_per_s"] = (after["announcements"] - before["announcements"]) / elapsed
        result["announcement_bytes_per_s"] = (after["bytes"] - before["bytes"]) / elapsed
        result["presence_events_per_s"] = result["presence_events"] / elapsed
        result["presence_bytes_per_s"] = result["presence_bytes"] / elapsed
        return result

    return run


def run(ctx: Context) -> list[dict[str, Any]]:
    clients = 1000
    rate = 10
    publish_s = ctx.pick(4, 10)
    churn_per_s = 10
    stack = ctx.factory.new_stack()
    cases = {"steady": Rounds(), "churn": Rounds()}
    try:
        start_pinned(stack, "api")
        start_pinned(stack, "relay")
        off_env = {**GATEWAY_ENV, "GATEWAY_PRESENCE_ENABLED": "0"}
        arms: dict[str, tuple[list[int], list[str]]] = {}
        for arm, env in (("on", GATEWAY_ENV), ("off", off_env)):
            pids = [start_pinned(stack, f"gateway#{arm}-{side}", env) for side in "ab"]
            arms[arm] = (pids, [stack.url(f"gateway#{arm}-{side}") for side in "ab"])
        channel = f"list:{user_with_lists(stack.url('api'))['list_ids'][0]}"
        position = wait_position([url for _, urls in arms.values() for url in urls])
        tokens = ctx.log_dir / "presence-tokens.json"  # too long for the load generator's argv
        tokens.parent.mkdir(parents=True, exist_ok=True)
        tokens.write_text(json.dumps(tokens_for(channel, clients, position)))
        for _ in range(ctx.settings.rounds):
            for arm, (pids, urls) in arms.items():  # on, off, on, off …
                load = NodeLoad(
                    "ws_clients.js",
                    {
                        "urls": [u.replace("http", "ws") for u in urls],
                        "clients": clients,
                        "channel": EVENTS,
                        "extraChannels": [channel],
                        "tokensFile": str(tokens.resolve()),
                        "protocol": "socketio",
                        "amqp": {"url": AMQP_URL, "exchange": stack.exchange},
                        "connectBatch": 50,
                        "connectPauseMs": 50,
                    },
                )
                groups = {"server": set(pids), "loadgen": {load.pid}}
                try:
                    settle(urls)  # the joins' presence traffic is over before measuring
                    time.sleep(2)
                    for case, churn in (
                        ("steady", None),
                        ("churn", {"channel": channel, "clients": 100, "perS": churn_per_s}),
                    ):
                        command = {
                            "mode": "rate",
                            "events": rate * publish_s,
                            "rate": rate,
                            "drainS": 60,
                            **({"churn": churn} if churn else {}),
                        }
                        settle(urls)
                        result = measure(
                            with_presence_figures(load, command, urls),
                            ctx.settings,
                            groups,
                            f"presence {arm} {case}",
                        )
                        cases[case].add(f"presence {arm}", result)
                finally:
                    load.close()
    finally:
        stack.teardown()
    return _rows(clients, rate, churn_per_s, cases)


#: (metric, unit, better, pick, compared with presence off, target)
METRICS: list[tuple[str, str, str, Callable[[dict[str, Any]], float], bool, str]] = [
    ("publish → client p99 (presence on vs off)", "ms", "lower",
     lambda x: x["latency_ms"]["p99"], True, "≤ 1.1× presence off"),
    ("publish → client p50", "ms", "lower", lambda x: x["latency_ms"]["p50"], True, ""),
    ("delivered / expected", "", "higher", lambda x: x["delivered"] / x["expected"], True, ""),
    ("gateways' CPU (cores, both)", "", "lower", lambda x: x["cpu"]["server_cores"], True, ""),
    ("announcements between gateways", "/s", "lower", lambda x: x["announcements_per_s"],
     False, ""),
    ("announcement bytes", "B/s", "lower", lambda x: x["announcement_bytes_per_s"], False, ""),
    ("presence events to clients", "/s", "lower", lambda x: x["presence_events_per_s"],
     False, ""),
    ("presence bytes to clients", "B/s", "lower", lambda x: x["presence_bytes_per_s"], False, ""),
]  # fmt: skip


def _rows(clients: int, rate: int, churn: int, cases: dict[str, Rounds]) -> list[dict[str, Any]]:
    base = f"{clients:,} subscribers of one list on 2 gateways, {rate} events/s"
    titles = {"steady": base, "churn": f"{base} + {churn} joins/leaves/s"}
    return [
        row(
            "presence",
            titles[case],
            metric,
            unit,
            better,
            rounds,
            pick,
            system="presence on",
            peer="presence off" if compared else None,
            target=target,
        )
        for case, rounds in cases.items()
        for metric, unit, better, pick, compared, target in METRICS
    ]
