"""PNG plots of a results file (matplotlib, Agg backend): one bar chart per scenario group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLOTTED = {
    "fanout": "fan-out",
    "end-to-end": "end to end",
    "connections": "connections",
    "write path": "write path",
}


def draw(results: dict[str, Any], out_dir: Path, stem: str) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: dict[str, Path] = {}
    for scenario, title in PLOTTED.items():
        rows = [
            r
            for r in results["rows"]
            if r["scenario"] == scenario and r["plot"] and r["system"] is not None
        ]
        if not rows:
            continue
        fig, axes = plt.subplots(1, len(rows), figsize=(2.6 * len(rows) + 1, 3.2), squeeze=False)
        for ax, r in zip(axes[0], rows, strict=True):
            names = ["this system"] + ([r["peer_name"]] if r["peer"] is not None else [])
            values = [r["system"]] + ([r["peer"]] if r["peer"] is not None else [])
            ax.bar(names, values, color=["#2b6cb0", "#a0aec0"][: len(values)])
            ax.set_title(f"{r['case']}\n{r['metric']}", fontsize=7)
            ax.set_ylabel(r["unit"], fontsize=7)
            ax.tick_params(labelsize=7)
        fig.suptitle(f"{title} ({results['date']})", fontsize=9)
        fig.tight_layout()
        path = out_dir / f"{stem}-{scenario.replace(' ', '-')}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths[f"plot:{scenario}"] = path
    latency = latency_vs_load(results, out_dir, stem, plt)
    if latency is not None:
        paths["plot:fanout latency"] = latency
    return paths


def latency_vs_load(results: dict[str, Any], out_dir: Path, stem: str, plt: Any) -> Path | None:
    """Fan-out latency percentiles (p50, p99) against offered load (events/s), one panel per
    client count, this gateway and the Node peer as lines (rows "N clients, R events/s")."""
    series: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for r in results["rows"]:
        if r["scenario"] != "fanout" or r["peer_name"] != "node" or "events/s" not in r["case"]:
            continue
        if r["metric"] not in ("publish → client p50", "publish → client p99"):
            continue
        clients, _, rate_text = r["case"].partition(", ")
        rate = float(rate_text.split()[0])
        pct = r["metric"].rsplit(" ", 1)[1]
        panel = series.setdefault(clients, {})
        for who, value in (("this gateway", r["system"]), ("Node peer", r["peer"])):
            if value is not None:
                panel.setdefault(f"{who} {pct}", []).append((rate, value))
    if not series:
        return None
    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.2), squeeze=False)
    for ax, (clients, lines) in zip(axes[0], sorted(series.items()), strict=True):
        for name, points in sorted(lines.items()):
            points.sort()
            style = "-" if name.startswith("this") else "--"
            marker = "o" if name.endswith("p99") else "s"
            color = "#2b6cb0" if name.startswith("this") else "#718096"
            ax.plot(*zip(*points, strict=True), style, marker=marker, color=color, label=name)
        ax.set_title(f"fan-out, {clients}", fontsize=8)
        ax.set_xlabel("offered load (events/s)", fontsize=7)
        ax.set_ylabel("publish → client (ms)", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    fig.suptitle(f"latency percentiles vs offered load ({results['date']})", fontsize=9)
    fig.tight_layout()
    path = out_dir / f"{stem}-fanout-latency.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
