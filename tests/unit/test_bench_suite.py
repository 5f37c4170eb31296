"""The bench driver's pure parts (make bench itself is never part of make test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.suite.cpu import is_disturbed, machine_busy_ticks, process_ticks, reaped_children_ticks
from bench.suite.figures import rewrite
from bench.suite.profile import top_functions
from bench.suite.report import markdown, row, verdict
from bench.suite.runner import Rounds
from bench.suite.stats import bucket_delta, bucket_quantile, histogram_buckets, percentile, ratio

METRICS = """# HELP relay_lag_seconds x
relay_lag_seconds_bucket{le="0.001"} 10.0
relay_lag_seconds_bucket{le="0.002"} 60.0
relay_lag_seconds_bucket{le="0.005"} 100.0
relay_lag_seconds_bucket{le="+Inf"} 100.0
relay_lag_seconds_count 100.0
"""


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_ratio_handles_missing_and_zero() -> None:
    assert ratio(50.0, 100.0) == 0.5
    assert ratio(None, 1.0) is None
    assert ratio(1.0, 0.0) is None


def test_histogram_quantile_interpolates_inside_the_bucket_and_subtracts_scrapes() -> None:
    buckets = histogram_buckets(METRICS, "relay_lag_seconds")
    assert buckets[0.001] == 10.0
    assert bucket_quantile(buckets, 0.5) == pytest.approx(0.001 + 0.001 * (40 / 50))
    assert bucket_quantile(buckets, 0.99) == pytest.approx(0.002 + 0.003 * (39 / 40))
    before = {0.001: 10.0, 0.002: 60.0, 0.005: 60.0, float("inf"): 60.0}
    delta = bucket_delta(buckets, before)
    assert delta[0.002] == 0.0 and delta[0.005] == 40.0
    assert bucket_quantile(delta, 0.5) == pytest.approx(0.002 + 0.003 * 0.5)
    assert bucket_quantile({0.001: 0.0, float("inf"): 0.0}, 0.5) is None


def test_cpu_parsing_and_disturbance() -> None:
    busy, total = machine_busy_ticks("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n")
    assert (busy, total) == (150, 1000)
    # a command with spaces and parentheses must not shift the fields
    stat = "42 (node (x) y) S 1 42 42 0 -1 4194560 10 0 0 0 70 30 5 15 20 0 1 0"
    assert process_ticks(stat) == 100
    assert reaped_children_ticks(stat) == 20
    assert is_disturbed(0.3, 0.25)
    assert not is_disturbed(0.1, 0.25)


def test_rows_take_medians_ratio_and_verdicts() -> None:
    rounds = Rounds()
    for value in (10.0, 30.0, 20.0):
        rounds.add("system", {"v": value, "disturbed": False})
    for value in (40.0, 40.0):
        rounds.add("node", {"v": value, "disturbed": True})
    r = row(
        "fanout",
        "1,000 clients",
        "deliveries/s",
        "/s",
        "higher",
        rounds,
        lambda x: x["v"],
        peer="node",
        target="≥ 1.0× Node's",
    )
    assert r["system"] == 20.0 and r["peer"] == 40.0 and r["ratio"] == 0.5
    assert r["disturbed"] is True
    assert verdict(r) == "missed: 0.50× vs ≥ 1×"
    assert verdict({**r, "target": "≤ 50 ms at 10/s", "system": 75.0}) == "missed by 50%"
    assert verdict({**r, "target": "≥ 10,000/s", "system": 12_000.0}) == "met"
    assert verdict({**r, "target": "p99 ≤ Node's", "ratio": 0.9}) == "met"
    assert verdict({**r, "target": "0", "system": 0}) == "met"


def test_markdown_table_and_readme_section(tmp_path: Path) -> None:
    rounds = Rounds()
    rounds.add("system", {"v": 3.5})
    results = {
        "rows": [
            row(
                "projector",
                "rebuild",
                "time",
                "s",
                "lower",
                rounds,
                lambda x: x["v"],
                target="≤ 120 s for 1M",
            )
        ]
    }
    table = markdown(results)
    assert "| projector | rebuild | time | 3.50 s |" in table
    assert table.rstrip().endswith("| ≤ 120 s for 1M | met |")
    json.dumps(results)  # what report.write stores must be plain JSON
    readme = tmp_path / "README.md"
    readme.write_text("# T\n\n## Figures\n\nold 3,670 events/s\n\n## Operating it\n\nkeep\n")
    text = rewrite(readme, "## Figures\n\nnew\n\n")
    assert "old" not in text and "new" in text and text.endswith("## Operating it\n\nkeep\n")


def test_profile_top_functions_from_collapsed_stacks() -> None:
    collapsed = (
        'process 1:"gunicorn";run (a.py:1);execute (psycopg/cursor.py:9) 3\n'
        'process 1:"gunicorn";run (a.py:1);json (b.py:2) 1\n'
    )
    rows, samples = top_functions(collapsed)
    assert samples == 4
    by_name = {name: (own, total) for name, own, total in rows}
    assert by_name["run (a.py)"] == (0.0, 100.0)
    assert by_name["execute (psycopg/cursor.py)"] == (75.0, 75.0)


def test_a_shared_service_process_that_exits_inside_the_window_still_counts_as_shared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PostgreSQL backend ends with its client's connection: its CPU must not turn into
    'foreign' load (every 1M-event rebuild was once marked disturbed for that)."""
    import time as real_time

    from bench.suite import cpu

    backend = {"alive": True, "ticks": 0}

    def shared_pids() -> set[int]:
        return {424242} if backend["alive"] else set()

    real_ticks = cpu._ticks

    def ticks(pids: set[int]) -> dict[int, int]:
        out = real_ticks(pids - {424242})
        if 424242 in pids and backend["alive"]:
            out[424242] = backend["ticks"]
        return out

    monkeypatch.setattr(cpu, "_shared_pids", shared_pids)
    monkeypatch.setattr(cpu, "_ticks", ticks)
    monkeypatch.setattr(cpu, "SHARED_SAMPLE_S", 0.01)
    window = cpu.CpuWindow()
    window.start()
    backend["ticks"] = 50 * cpu.TICK  # 50 s of CPU, seen by a sample ...
    real_time.sleep(0.2)
    backend["alive"] = False  # ... then the backend exits before the window ends
    out = window.stop()
    assert out["shared_services_cores"] > 1.0
