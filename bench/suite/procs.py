"""Processes of a run: pinned servers (core 0), pinned load generators (core 1).

Servers start through the local test stack (tests/support/stack.py), which owns a scratch
database and broker names per stack; ``pinned`` prefixes any argv with ``taskset``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.stack import REPO

BENCH = REPO / "bench"
SERVER_CORE = "0"
LOADGEN_CORE = "1"
NODE_MODULES = BENCH / "node_modules"


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv]


def pinning() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "servers": f"taskset -c {SERVER_CORE} (this system's API, relay, projector, gateway and every peer server)",
        "load_generators": f"taskset -c {LOADGEN_CORE} (Node load generators and the driver)",
        "not_pinned": "PostgreSQL, RabbitMQ and Redis (shared machine services; their CPU is reported apart)",
    }


def pin_self() -> None:
    os.sched_setaffinity(0, {int(LOADGEN_CORE)})


def raise_fd_limit(wanted: int = 65_536) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 in {timeout}s")


def start_server(
    argv: list[str], env: dict[str, str], log: Path, cwd: Path = REPO
) -> subprocess.Popen[bytes]:
    """A peer server pinned to the server core, logging to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            pinned(SERVER_CORE, argv),
            cwd=cwd,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(5)


@dataclass
class NodeLoad:
    """A Node load generator (bench/loadgen/*.js) on the load core, driven line by line."""

    script: str
    config: dict[str, Any]
    ready_timeout: float = 300.0

    def __post_init__(self) -> None:
        self.proc = subprocess.Popen(
            pinned(
                LOADGEN_CORE,
                [
                    "node",
                    "--max-old-space-size=8192",
                    str(BENCH / "loadgen" / self.script),
                    json.dumps(self.config),
                ],
            ),
            cwd=BENCH,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        )
        self.started = time.monotonic()
        try:
            ready = self._line(self.ready_timeout)
        except BaseException:
            self.proc.kill()
            self.proc.wait(5)
            raise
        if ready.get("kind") != "ready":
            self.close()
            raise RuntimeError(f"{self.script} not ready: {ready}")
        self.connect_s = time.monotonic() - self.started

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _line(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise TimeoutError(f"{self.script}: no answer in {timeout}s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.script} exited with {self.proc.wait()}")
        return dict(json.loads(line))

    def send(self, command: dict[str, Any] | str, timeout: float = 900.0) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((command if isinstance(command, str) else json.dumps(command)) + "\n")
        self.proc.stdin.flush()
        return self._line(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write("exit\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
