"""Pure numbers: percentiles, ratios, Prometheus histogram quantiles, medians of rounds."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from statistics import median


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..1) of ``values``; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(values: Sequence[float]) -> dict[str, float | int | None]:
    """count, p50, p90, p99, max and mean (the shape the Node load generators print too)."""
    if not values:
        return {"count": 0, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}
    return {
        "count": len(values),
        "p50": percentile(values, 0.5),
        "p90": percentile(values, 0.9),
        "p99": percentile(values, 0.99),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


def ratio(system: float | None, peer: float | None) -> float | None:
    """system / peer, or None when either is missing or the peer is zero."""
    if system is None or peer is None or peer == 0:
        return None
    return system / peer


def median_of(rounds: Iterable[float | None]) -> float | None:
    """The median of the rounds that produced a figure."""
    present = [r for r in rounds if r is not None]
    return median(present) if present else None


def histogram_buckets(metrics: str, name: str) -> dict[float, float]:
    """Cumulative bucket counts of Prometheus histogram ``name`` in exposition text."""
    found = re.findall(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', metrics, re.M)
    return {math.inf if le == "+Inf" else float(le): float(count) for le, count in found}


def bucket_delta(after: dict[float, float], before: dict[float, float]) -> dict[float, float]:
    """What a histogram counted between two scrapes."""
    return {le: count - before.get(le, 0.0) for le, count in after.items()}


def bucket_quantile(buckets: dict[float, float], q: float) -> float | None:
    """``q`` quantile of cumulative buckets, interpolated linearly inside the bucket (as
    PromQL's histogram_quantile); None when nothing was counted."""
    ordered = sorted(buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return None
    rank = q * ordered[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            inside = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return lower_bound + (bound - lower_bound) * inside
        lower_bound, lower_count = bound, count
    return lower_bound


def histogram_quantile(metrics: str, name: str, q: float) -> float | None:
    """``q`` quantile of histogram ``name`` in one scrape."""
    return bucket_quantile(histogram_buckets(metrics, name), q)
