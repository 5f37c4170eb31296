"""Injecting faults, and the evidence that each one happened.

Broker connections are matched to this stack's processes by their local TCP port (``ss``
names the owning pid), so a scenario can cut only its own stack's connections and leave
the other test runs on the shared broker alone.
"""

from __future__ import annotations

import re
import subprocess
import time

import psycopg

from tests.support.stack import PG_ADMIN, Stack


def rabbitmqctl(*args: str, timeout: float = 90) -> str:
    result = subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"rabbitmqctl {' '.join(args)}: {result.stderr}"
    return result.stdout


def _pids_by_local_port() -> dict[int, int]:
    out = subprocess.run(["ss", "-tnpH"], capture_output=True, text=True, check=True).stdout
    ports = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 6 or not fields[4].endswith(":5672"):
            continue
        match = re.search(r"pid=(\d+)", line)
        if match:
            ports[int(fields[3].rsplit(":", 1)[1])] = int(match.group(1))
    return ports


def broker_connections(stack: Stack, names: tuple[str, ...]) -> dict[str, list[str]]:
    """The broker's connections (their Erlang pids) held by the stack's ``names``."""
    pids = {stack.procs[n].popen.pid: n for n in names if stack.procs[n].popen}  # type: ignore[union-attr]
    by_port = _pids_by_local_port()
    found: dict[str, list[str]] = {n: [] for n in names}
    for line in rabbitmqctl("list_connections", "pid", "peer_port").splitlines():
        if "\t" not in line or line.startswith("pid"):
            continue
        name, port = line.rsplit("\t", 1)  # the connection's Erlang pid names it
        owner = pids.get(by_port.get(int(port), -1))
        if owner:
            found[owner].append(name)
    return found


def close_own_connections(stack: Stack, names: tuple[str, ...]) -> int:
    """``rabbitmqctl close_connection`` for every broker connection of ``names``; the count."""
    closed = 0
    for conns in broker_connections(stack, names).values():
        for conn in conns:
            result = subprocess.run(
                ["rabbitmqctl", "-q", "close_connection", conn, "fault suite: connection cut"],
                capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            closed += result.returncode == 0  # one already gone is no longer there to cut
    return closed


def wait_connected_again(stack: Stack, names: tuple[str, ...], before: dict[str, list[str]],
                         timeout: float = 60) -> None:  # fmt: skip
    """Every one of ``names`` holds a broker connection again, none of them one cut before."""
    old = {c for conns in before.values() for c in conns}
    deadline = time.monotonic() + timeout
    while True:
        now = broker_connections(stack, names)
        if all(conns and not old & set(conns) for conns in now.values()):
            return
        assert time.monotonic() < deadline, f"not reconnected: {now}"
        time.sleep(0.3)


def database_backends(stack: Stack) -> list[int]:
    """Pids of the backends connected to the stack's database (``pg_stat_activity``)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (stack.database_name,),
        ).fetchall()
    return [int(r[0]) for r in rows]


def terminate_backends(stack: Stack, timeout: float = 10.0) -> list[int]:
    """``pg_terminate_backend`` every backend of the stack's database and wait until each has
    left ``pg_stat_activity`` (the call only signals it); the pids terminated."""
    pids = database_backends(stack)
    done = []
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for pid in pids:
            if conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,):
                done.append(pid)
    deadline = time.monotonic() + timeout
    while set(done) & set(database_backends(stack)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return done
