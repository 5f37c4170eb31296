"""Where the API's time goes under the write load: py-spy samples the gunicorn workers
(raw collapsed stacks), and this module reduces them to a top-N table (own and total time)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.suite.procs import NodeLoad

TOP = 25


def top_functions(collapsed: str, top: int = TOP) -> tuple[list[tuple[str, float, float]], int]:
    """(function, own %, total %) of the ``top`` functions by total time, and the sample count.

    ``collapsed`` is py-spy's raw format: ``frame;frame;…;leaf count`` per line."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [
            f.split(" (")[0].strip()
            + (f" ({f.split(' (')[1].split(':')[0]}" + ")" if " (" in f else "")
            for f in stack.split(";")
        ]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))] or ["?"]
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            total[name] += count
    rows = (
        [(name, 100 * own[name] / samples, 100 * n / samples) for name, n in total.most_common(top)]
        if samples
        else []
    )
    return rows, samples


def profile_api(ctx: Any, api_pid: int, target: dict[str, Any], clients: int, duration: int) -> str:
    """Profile the API's workers during one more write run; returns the table's path."""
    out_dir, stem = ctx.extra["out"]
    raw = Path(ctx.log_dir) / "write-profile.txt"
    raw.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(api_pid),
            "--subprocesses",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--duration",
            str(duration + 1),
            "--rate",
            "200",
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    load = NodeLoad(
        "http_load.js", {"mode": "write", "concurrency": clients, "durationS": duration, **target}
    )
    result = load.send("go")
    load.close()
    _, err = spy.communicate(timeout=duration + 60)
    if spy.returncode or not raw.exists():
        return f"py-spy failed ({spy.returncode}): {err.strip()[-300:]}"
    rows, samples = top_functions(raw.read_text())
    path = Path(out_dir) / f"{stem}-write-profile.md"
    lines = [
        f"# Write path profile ({stem})\n",
        f"py-spy {samples:,} samples (200/s, gunicorn master and workers, idle threads included) while "
        f"{clients} clients created todos at {result.get('requests_per_s', 0):.0f}/s. "
        "Total = share of samples with the function on the stack; own = at the top.\n",
        "| function (file) | own % | total % |",
        "| --- | --- | --- |",
        *(f"| `{name}` | {own_pct:.1f} | {total_pct:.1f} |" for name, own_pct, total_pct in rows),
    ]
    path.write_text("\n".join(lines) + "\n")
    return (
        str(path.relative_to(Path(out_dir).parent.parent))
        if Path(out_dir).is_absolute()
        else str(path)
    )
