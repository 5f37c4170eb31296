"""CPU accounting from /proc: the machine's busy time, ours, and everyone else's.

A measuring window samples ``/proc/stat`` (all cores) and ``/proc/<pid>/stat`` of every
process we started (and their children) at its start and end. Foreign load = the machine's
busy CPU minus ours minus the shared services the scenario uses (PostgreSQL, RabbitMQ,
Redis: their CPU is partly ours and partly the other users', so it is reported apart).
A window whose foreign load exceeds the threshold is disturbed and is run again.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
SHARED_SERVICES = ("postgres", "beam.smp", "redis-server", "epmd", "erl_child_setup")
SHARED_SAMPLE_S = 0.25  # how often a window samples the shared services' processes


def machine_busy_ticks(stat_text: str) -> tuple[int, int]:
    """(busy, total) ticks over all cores from the first line of /proc/stat."""
    fields = [int(x) for x in stat_text.splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user
    return total - idle, total


def process_ticks(stat_text: str) -> int:
    """utime + stime of one /proc/<pid>/stat line (the command may contain spaces)."""
    rest = stat_text.rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def reaped_children_ticks(stat_text: str) -> int:
    """cutime + cstime of one /proc/<pid>/stat line: CPU of its children that have exited
    and been waited for (a rebuild that ends inside the window is still ours)."""
    rest = stat_text.rsplit(")", 1)[1].split()
    return int(rest[13]) + int(rest[14])


def is_disturbed(foreign_cores: float, threshold: float) -> bool:
    """A window is disturbed when other processes used more than ``threshold`` cores."""
    return foreign_cores > threshold


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def descendants(roots: set[int]) -> set[int]:
    """``roots`` and every live process below them."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            text = _read(f"/proc/{entry}/stat")
            if text:
                ppid = int(text.rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(parents.get(pid, []))
    return found


def _shared_pids() -> set[int]:
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            comm = (_read(f"/proc/{entry}/comm") or "").strip()
            if comm.startswith(SHARED_SERVICES):
                pids.add(int(entry))
    return pids


def _ticks(pids: set[int]) -> dict[int, int]:
    out = {}
    for pid in pids:
        text = _read(f"/proc/{pid}/stat")
        if text:
            out[pid] = process_ticks(text)
    return out


@dataclass
class CpuWindow:
    """Start it, run the load, stop it: cores used by ours / shared services / foreign."""

    roots: set[int] = field(default_factory=set)
    groups: dict[str, set[int]] = field(default_factory=dict)  # named roots, reported apart

    def start(self) -> None:
        self._ours0 = _ticks(descendants(self.roots | {os.getpid()}))
        self._shared0 = _ticks(_shared_pids())
        self._machine0 = machine_busy_ticks(Path("/proc/stat").read_text())
        self._reaped0 = reaped_children_ticks(Path("/proc/self/stat").read_text())
        self._t0 = time.monotonic()
        # A PostgreSQL backend exits with its client (a rebuild's connection ends inside the
        # window): its ticks must not vanish from "shared" and show up as foreign load, so
        # the shared services are sampled through the window and each pid's last figure kept.
        self._shared_seen = dict(self._shared0)
        self._sampling = threading.Event()
        self._sampler = threading.Thread(target=self._sample_shared, daemon=True)
        self._sampler.start()

    def _sample_shared(self) -> None:
        while not self._sampling.wait(SHARED_SAMPLE_S):
            self._shared_seen.update(_ticks(_shared_pids()))

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self._t0
        self._sampling.set()
        self._sampler.join()
        machine = machine_busy_ticks(Path("/proc/stat").read_text())
        ours_now = _ticks(descendants(self.roots | {os.getpid()}))
        shared_now = {**self._shared_seen, **_ticks(_shared_pids())}

        def used(
            now: dict[int, int], before: dict[int, int], pids: set[int] | None = None
        ) -> float:
            keys = now.keys() if pids is None else pids & now.keys()
            return sum(now[p] - before.get(p, 0) for p in keys) / TICK / elapsed

        busy = (machine[0] - self._machine0[0]) / TICK / elapsed
        reaped = reaped_children_ticks(Path("/proc/self/stat").read_text()) - self._reaped0
        ours = used(ours_now, self._ours0) + reaped / TICK / elapsed
        shared = used(shared_now, self._shared0)
        out = {
            "window_s": round(elapsed, 2),
            "machine_cores": round(busy, 3),
            "ours_cores": round(ours, 3),
            "shared_services_cores": round(shared, 3),
            "foreign_cores": round(max(0.0, busy - ours - shared), 3),
        }
        for name, roots in self.groups.items():
            out[f"{name}_cores"] = round(used(ours_now, self._ours0, descendants(roots)), 3)
        return out


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` and its children, in KiB."""
    total = 0
    for p in descendants({pid}):
        for line in (_read(f"/proc/{p}/status") or "").splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total
