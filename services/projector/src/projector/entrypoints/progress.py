"""Progress of a long command: a bar on a terminal, plain lines otherwise (on stderr)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def describe(done: int, total: int, elapsed: float) -> tuple[float, str, str]:
    """``(fraction, rate text, ETA text)`` for ``done`` of ``total`` after ``elapsed`` s."""
    fraction = done / total if total else 1.0
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = format_duration((total - done) / rate) if rate > 0 and total >= done else "?"
    return min(1.0, fraction), f"{rate:,.0f} ev/s", eta


class ProgressReporter:
    """Reports ``done / total`` with rate and ETA.

    ``mode``: ``bar`` (redrawn in place), ``lines`` (one line every ``every`` seconds and at
    the end), ``none``, or ``auto`` (bar when ``out`` is a terminal, lines otherwise).
    """

    def __init__(
        self, label: str, mode: str = "auto", out: TextIO | None = None, every: float = 2.0
    ) -> None:
        self.out = out or sys.stderr
        if mode == "auto":
            mode = "bar" if self.out.isatty() else "lines"
        self.mode = mode
        self.label = label
        self.every = every
        self.started = time.monotonic()
        self._last_line = 0.0
        self.done = 0
        self.total = 0

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.mode == "bar":
            self._draw_bar(now)
        elif self.mode == "lines" and now - self._last_line >= self.every:
            self._last_line = now
            self._write_line(now)

    def finish(self, note: str = "") -> None:
        now = time.monotonic()
        if self.mode == "bar":
            self._draw_bar(now)
            self.out.write("\n")
        elif self.mode == "lines":
            self._write_line(now)
        if note and self.mode != "none":
            self.out.write(f"{self.label}: {note}\n")
        self.out.flush()

    def _draw_bar(self, now: float) -> None:
        fraction, rate, eta = describe(self.done, self.total, now - self.started)
        width = 30
        filled = int(width * fraction)
        bar = "#" * filled + "-" * (width - filled)
        self.out.write(
            f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} {fraction:6.1%}  {rate}  ETA {eta} "
        )
        self.out.flush()

    def _write_line(self, now: float) -> None:
        fraction, rate, eta = describe(self.done, self.total, now - self.started)
        self.out.write(
            f"{self.label}: {self.done}/{self.total} events ({fraction:.1%}), {rate}, ETA {eta}\n"
        )
        self.out.flush()
