"""4. Write path: todo creations from 16 keep-alive HTTP clients, this API (gunicorn, with
relay, projector and gateway running) vs the same creation written the plain Django way under
the same gunicorn settings. Relay lag from the relay's own histogram; a py-spy profile."""

from __future__ import annotations

from typing import Any

import requests

from bench.suite.context import Context
from bench.suite.procs import NodeLoad
from bench.suite.profile import profile_api
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from bench.suite.scenarios.django_peer import start_peer
from bench.suite.scenarios.system import start_system, user_with_lists
from bench.suite.stats import bucket_delta, bucket_quantile, histogram_buckets

CLIENTS = 16
#: The API and its relay as compose runs them (DEBUG off, like the peer), with the per-user
#: write limit raised above what one bench client sends: the limit is still counted on every
#: write (its cost is measured), it just never refuses the 16 bench users (600/min each by
#: default).
API_ENV = {"DEBUG": "0", "RATE_LIMIT_WRITES": "1000000/60"}


def _relay_buckets(url: str) -> dict[float, float]:
    return histogram_buckets(requests.get(url + "/metrics", timeout=10).text, "relay_lag_seconds")


def run(ctx: Context) -> list[dict[str, Any]]:
    duration = ctx.pick(3, 15)
    stack, pids = start_system(ctx, api_env=API_ENV)
    try:  # a peer that fails to start must not leave this system's processes running
        peer = start_peer(ctx, "gunicorn", lists=CLIENTS)
    except BaseException:
        stack.teardown(failed=True)
        raise
    rounds = Rounds()
    try:
        api = stack.url("api")
        users = [user_with_lists(api) for _ in range(CLIENTS)]
        arms = {
            "system": (
                {
                    "base": api,
                    "targets": [
                        {"path": f"/api/lists/{u['list_ids'][0]}/todos", "token": u["token"]}
                        for u in users
                    ],
                },
                {pids["api"]},
            ),
            "django": (
                {
                    "base": peer.url,
                    "targets": [
                        {"path": f"/api/lists/{lid}/todos", "token": peer.token}
                        for lid in peer.list_ids
                    ],
                },
                {peer.pid},
            ),
        }
        for _ in range(ctx.settings.rounds):
            for name, (target, server_pids) in arms.items():
                load = NodeLoad(
                    "http_load.js",
                    {"mode": "write", "concurrency": CLIENTS, "durationS": duration, **target},
                )
                before = _relay_buckets(stack.url("relay")) if name == "system" else {}
                result = measure(
                    lambda load=load: load.send("go"),
                    ctx.settings,
                    {"server": server_pids, "loadgen": {load.pid}},
                    f"write {name}",
                )
                load.close()
                if name == "system":
                    lag = bucket_delta(_relay_buckets(stack.url("relay")), before)
                    result["relay_lag_ms"] = {
                        q: (v * 1000 if (v := bucket_quantile(lag, p)) is not None else None)
                        for q, p in (("p50", 0.5), ("p99", 0.99))
                    }
                rounds.add(name, result)
        profile = profile_api(
            ctx,
            pids["api"],
            {"base": api, "targets": arms["system"][0]["targets"]},
            CLIENTS,
            duration,
        )
        ctx.notes.append(f"Write-path profile (py-spy, this API under the same load): {profile}")
    finally:
        peer.close()
        stack.teardown()
    case = f"{CLIENTS} clients, todo creation"
    return [
        row(
            "write path",
            case,
            "commands/s",
            "/s",
            "higher",
            rounds,
            lambda x: x["requests_per_s"],
            peer="django",
            target="≥ 0.7× plain Django (aim ≥ 1.0×)",
            plot=True,
        ),
        row(
            "write path",
            case,
            "POST p50",
            "ms",
            "lower",
            rounds,
            lambda x: x["latency_ms"]["p50"],
            peer="django",
            plot=True,
        ),
        row(
            "write path",
            case,
            "POST p99",
            "ms",
            "lower",
            rounds,
            lambda x: x["latency_ms"]["p99"],
            peer="django",
            plot=True,
        ),
        row(
            "write path",
            case,
            "server CPU (cores)",
            "",
            "lower",
            rounds,
            lambda x: x["cpu"]["server_cores"],
            peer="django",
        ),
        row(
            "write path",
            case,
            "relay lag commit → confirm p50",
            "ms",
            "lower",
            rounds,
            lambda x: x["relay_lag_ms"]["p50"],
        ),
        row(
            "write path",
            case,
            "relay lag commit → confirm p99",
            "ms",
            "lower",
            rounds,
            lambda x: x["relay_lag_ms"]["p99"],
            target="≤ 5 ms",
        ),
    ]
