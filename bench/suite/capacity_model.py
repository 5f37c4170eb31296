"""The arithmetic of docs/scaling.md, from a results file's measured per-core figures.

Assumptions (stated in the doc): every connected user holds one connection; each change
reaches ``AUDIENCE`` connections; each user makes one change per ``SECONDS_PER_CHANGE``."""

from __future__ import annotations

import math
from typing import Any

AUDIENCE = 3
SECONDS_PER_CHANGE = 600
CONNECTIONS_PER_GATEWAY = 10_000  # GATEWAY_MAX_CONNECTIONS' default; measured RSS/CPU below


def _find(rows: list[dict[str, Any]], scenario: str, case_part: str, metric: str) -> float | None:
    for r in rows:
        if r["scenario"] == scenario and case_part in r["case"] and r["metric"] == metric:
            return r["system"]
    return None


def _most_clients(rows: list[dict[str, Any]], metric: str) -> float | None:
    """The connections figure measured with the most idle clients (the gateways of the model
    hold up to CONNECTIONS_PER_GATEWAY each)."""
    found = [
        (int(r["case"].split()[0].replace(",", "")), r["system"])
        for r in rows
        if r["scenario"] == "connections" and "idle clients" in r["case"] and r["metric"] == metric
    ]
    return max(found)[1] if found else None


def inputs(results: dict[str, Any]) -> dict[str, float | None]:
    rows = results["rows"]
    return {
        "gateway_deliveries_per_s": _find(rows, "fanout", "saturation", "deliveries/s"),
        "rss_per_connection_kib": _most_clients(rows, "RSS per connection"),
        "api_commands_per_s": _find(rows, "write path", "todo creation", "commands/s"),
        "api_cores": _find(rows, "write path", "todo creation", "server CPU (cores)"),
        "store_appends_per_s": max(
            (
                r["system"] or 0
                for r in rows
                if r["scenario"] == "capacity" and "append" in r["case"]
            ),
            default=None,
        ),
        "projector_events_per_s": _find(rows, "projector", "live", "events/s applied"),
    }


def plan(users: int, got: dict[str, float | None]) -> dict[str, Any]:
    writes = users / SECONDS_PER_CHANGE
    deliveries = writes * AUDIENCE
    out: dict[str, Any] = {"users": users, "writes_per_s": writes, "deliveries_per_s": deliveries}
    out["gateways_by_connections"] = math.ceil(users / CONNECTIONS_PER_GATEWAY)
    if got["gateway_deliveries_per_s"]:
        out["gateways_by_deliveries"] = math.ceil(deliveries / got["gateway_deliveries_per_s"])
    if got["rss_per_connection_kib"]:
        out["gateway_memory_gib"] = users * got["rss_per_connection_kib"] / 1024 / 1024
    if got["api_commands_per_s"]:
        out["api_cores"] = writes / got["api_commands_per_s"]
    for name in ("store_appends_per_s", "projector_events_per_s"):
        if got[name]:
            out[f"{name}_headroom"] = got[name] / writes
    return out


def markdown(results: dict[str, Any]) -> str:
    got = inputs(results)

    def fmt(v: float | None) -> str:
        return "–" if v is None else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"

    lines = [
        f"Inputs from `{results['command']}` ({results['date']}{', quick run: indicative only' if results['quick'] else ''}):",
        "",
        "| measured on one core | figure |",
        "| --- | --- |",
        *(f"| {k.replace('_', ' ')} | {fmt(v)} |" for k, v in got.items()),
        "",
        f"Derived (assumptions: {AUDIENCE} connections receive each change, one change per user per "
        f"{SECONDS_PER_CHANGE // 60} min, at most {CONNECTIONS_PER_GATEWAY:,} connections per gateway):",
        "",
        "| users | writes/s | deliveries/s | gateways (connections) | gateways (deliveries) | gateway RSS total GiB | API cores | store headroom × | projector headroom × |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for users in (100_000, 1_000_000):
        p = plan(users, got)
        lines.append(
            f"| {users:,} | {fmt(p['writes_per_s'])} | {fmt(p['deliveries_per_s'])} | {p['gateways_by_connections']} | "
            f"{p.get('gateways_by_deliveries', '–')} | {fmt(p.get('gateway_memory_gib'))} | {fmt(p.get('api_cores'))} | "
            f"{fmt(p.get('store_appends_per_s_headroom'))} | {fmt(p.get('projector_events_per_s_headroom'))} |"
        )
    return "\n".join(lines) + "\n"
