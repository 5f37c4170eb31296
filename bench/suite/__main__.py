"""``python -m bench.suite [--quick] [--only fanout,e2e,…] [--rounds N]`` — see README Figures."""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.suite.context import Context
from bench.suite.procs import BENCH, pin_self, pinning, raise_fd_limit
from bench.suite.report import write
from bench.suite.runner import Settings
from tests.support.stack import DatabaseFactory

SCENARIOS = (
    "fanout",
    "e2e",
    "connections",
    "write_path",
    "projector",
    "why_push",
    "capacity",
    "presence",
)


def merge_into(path: Path, results: dict[str, Any], chosen: list[str]) -> dict[str, Any]:
    import json

    from bench.suite.report import SCENARIO_OF

    if not path.exists():
        return results
    old = json.loads(path.read_text())
    names = {SCENARIO_OF[c] for c in chosen}
    old["rows"] = [r for r in old["rows"] if r["scenario"] not in names] + results["rows"]
    stale = {n for c in chosen for n in old.get("notes_of", {}).get(c, [])}
    old["notes"] = [
        n
        for n in old.get("notes", [])
        if n not in stale and not any(n.startswith(k) for k in results["notes"])
    ] + results["notes"]
    for key in ("errors", "timings_s", "notes_of"):
        old[key] = {k: v for k, v in old.get(key, {}).items() if k not in chosen} | results[key]
    old["date"] = results["date"]
    old["command"] = "make bench ARGS=--quick" if results["quick"] else "make bench"
    old["assembled_from_partial_runs"] = True
    return old


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make bench: every scenario, system vs peer")
    parser.add_argument("--quick", action="store_true", help="every scenario briefly (smoke check)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {', '.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="alternating rounds (default 2; quick 1)"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    chosen = [s for s in (args.only.split(",") if args.only else SCENARIOS) if s]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    settings = Settings(
        quick=args.quick,
        rounds=args.rounds or (1 if args.quick else 2),
        retries=1 if args.quick else 2,
    )
    raise_fd_limit()
    pin_self()
    started = datetime.now(UTC)
    stem = started.strftime("%Y-%m-%d") + ("-quick" if args.quick else "")
    factory = DatabaseFactory()
    ctx = Context(settings, factory, Path("var") / "bench" / started.strftime("%H%M%S"))
    ctx.extra["out"] = (args.out, stem)
    results: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "command": "make bench" + (" ARGS=--quick" if args.quick else "")
        if not args.only
        else "python -m bench.suite " + shlex.join(argv or sys.argv[1:]),
        "pinning": pinning(),
        "rounds": settings.rounds,
        "foreign_threshold_cores": settings.foreign_threshold,
        "rows": [],
        "errors": {},
        "timings_s": {},
        "notes_of": {},  # scenario -> its notes, so a partial run replaces them
    }
    try:
        for name in chosen:
            print(f"== {name}", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            noted = len(ctx.notes)
            try:
                module = importlib.import_module(f"bench.suite.scenarios.{name}")
                results["rows"].extend(module.run(ctx))
            except Exception as exc:  # a failed scenario is reported, the others still run
                traceback.print_exc()
                first_line = (str(exc).splitlines() or [""])[0][:200]
                results["errors"][name] = f"{type(exc).__name__}: {first_line}"
            results["timings_s"][name] = round(time.monotonic() - t0, 1)
            results["notes_of"][name] = ctx.notes[noted:]
    finally:
        factory.cleanup()
    results["notes"] = ctx.notes
    if args.only:  # a partial run updates those scenarios in the day's file
        results = merge_into(args.out / f"{stem}.json", results, chosen)
    paths = write(results, args.out, stem)
    for kind, path in paths.items():
        print(f"{kind}: {path}", file=sys.stderr)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
