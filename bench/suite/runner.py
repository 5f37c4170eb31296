"""Alternating rounds (A B A B …) with disturbance detection and repeats."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.suite.cpu import CpuWindow, is_disturbed


@dataclass
class Settings:
    quick: bool
    rounds: int
    foreign_threshold: float = 0.25  # cores of other processes' CPU that make a window disturbed
    retries: int = 2


def measure(
    run: Callable[[], dict[str, Any]],
    settings: Settings,
    groups: dict[str, set[int]] | None = None,
    label: str = "",
) -> dict[str, Any]:
    """Run ``run`` inside a CPU window; repeat it while the window was disturbed."""
    attempts = 0
    while True:
        window = CpuWindow(groups=groups or {})
        window.start()
        result = run()
        cpu = window.stop()
        result["cpu"] = cpu
        disturbed = is_disturbed(cpu["foreign_cores"], settings.foreign_threshold)
        result["disturbed"] = disturbed
        result["repeats"] = attempts
        print(
            f"  {label}: foreign {cpu['foreign_cores']} cores{' DISTURBED' if disturbed else ''}",
            file=sys.stderr,
        )
        if not disturbed or attempts >= settings.retries:
            return result
        attempts += 1


@dataclass
class Rounds:
    """Collects per-arm results over alternating rounds."""

    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, arm: str, result: dict[str, Any]) -> None:
        self.results.setdefault(arm, []).append(result)

    def values(
        self, arm: str, pick: Callable[[dict[str, Any]], float | None]
    ) -> list[float | None]:
        out = []
        for r in self.results.get(arm, []):
            try:
                out.append(pick(r))
            except (KeyError, TypeError):
                out.append(None)
        return out
