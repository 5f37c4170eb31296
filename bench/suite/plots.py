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
    return paths
