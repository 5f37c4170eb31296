"""The suite's outputs: results JSON, a Markdown table, PNG plots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.suite.runner import Rounds
from bench.suite.stats import median_of, ratio

SCENARIO_OF = {
    "fanout": "fanout",
    "e2e": "end-to-end",
    "connections": "connections",
    "write_path": "write path",
    "projector": "projector",
    "why_push": "why push",
    "capacity": "capacity",
    "presence": "presence",
}


def row(
    scenario: str,
    case: str,
    metric: str,
    unit: str,
    better: str,
    rounds: Rounds,
    pick: Callable[[dict[str, Any]], float | None],
    system: str = "system",
    peer: str | None = None,
    target: str = "",
    plot: bool = False,
) -> dict[str, Any]:
    """One table row: the median over rounds of ``pick`` for this system and its peer."""
    mine = rounds.values(system, pick)
    theirs = rounds.values(peer, pick) if peer else []
    value, peer_value = median_of(mine), median_of(theirs) if peer else None
    disturbed = any(
        r.get("disturbed") for arm in (system, peer) if arm for r in rounds.results.get(arm, [])
    )
    return {
        "scenario": scenario,
        "case": case,
        "metric": metric,
        "unit": unit,
        "better": better,
        "system": value,
        "peer_name": peer,
        "peer": peer_value,
        "ratio": ratio(value, peer_value),
        "target": target,
        "rounds": {"system": mine, **({"peer": theirs} if peer else {})},
        "disturbed": disturbed,
        "plot": plot,
    }


def verdict(r: dict[str, Any]) -> str:
    """ "met", "missed (…)" or "" for a row's target text: "≥ 0.7× …" and "≤ Node's" compare
    the ratio; "≤ 50 ms …", "≥ 10,000/s", "≤ 120 s for 1M" and "0" compare the figure."""
    target, value, rel = r.get("target") or "", r.get("system"), r.get("ratio")
    if not target or value is None:
        return ""
    import re

    if "×" in target or "Node's" in target:
        if rel is None:
            return ""
        found = re.search(r"([\d.]+)×", target)
        bound = float(found.group(1)) if found else 1.0
        higher = target.lstrip().startswith("≥")
        ok = rel >= bound if higher else rel <= bound
        return "met" if ok else f"missed: {rel:.2f}× vs {'≥' if higher else '≤'} {bound:g}×"
    if target.strip() == "0":
        return "met" if value == 0 else f"missed: {value:g}"
    found = re.search(r"([≥≤])\s*([\d,.]+)", target)
    if not found:
        return ""
    bound = float(found.group(2).replace(",", ""))
    ok = value >= bound if found.group(1) == "≥" else value <= bound
    return "met" if ok else f"missed by {abs(value - bound) / bound:.0%}"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def markdown(results: dict[str, Any]) -> str:
    """The results as one Markdown table (the README's Figures section embeds it)."""
    lines = [
        "| scenario | case | metric | this system | peer | peer's figure | ratio | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["rows"]:
        unit = f" {r['unit']}" if r["unit"] else ""
        ratio_text = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "–"
        flag = " (disturbed)" if r["disturbed"] else ""
        lines.append(
            f"| {r['scenario']} | {r['case']} | {r['metric']} | {_fmt(r['system'])}{unit}{flag} | "
            f"{r['peer_name'] or '–'} | {_fmt(r['peer'])}{unit if r['peer'] is not None else ''} | "
            f"{ratio_text} | {r['target'] or ''} | {verdict(r)} |"
        )
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], out_dir: Path, stem: str) -> dict[str, Path]:
    """Write ``<stem>.json``, ``<stem>.md`` and the plots; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md"}
    paths["json"].write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")
    header = (
        f"# make bench — {results['date']}{' (quick)' if results['quick'] else ''}\n\n"
        f"Command: `{results['command']}`. Pinning: servers {results['pinning']['servers']}; "
        f"load generators {results['pinning']['load_generators']}; "
        f"{results['pinning']['not_pinned']}.\n\n"
    )
    paths["md"].write_text(header + markdown(results) + notes(results))
    from bench.suite.plots import draw

    paths.update(draw(results, out_dir, stem))
    return paths


def notes(results: dict[str, Any]) -> str:
    lines = [f"- {n}" for n in results.get("notes", [])]
    return ("\n" + "\n".join(lines) + "\n") if lines else ""
