"""The system under end-to-end test, in one of two modes (``E2E_STACK``).

- ``local`` (default): the four processes of CONTRACT.md §1 as subprocesses, through the
  local test stack (fresh database, unique broker names). This is what CI runs.
- ``compose``: ``docker compose up -d --build`` of the repository's compose file (plus
  ``tests/e2e/compose.e2e.yml``, which publishes PostgreSQL on 127.0.0.1:55432 for the
  replay check), waits for health, and ``docker compose down -v`` afterwards. Needs a
  Docker engine and a filled-in ``.env``; the API is http://localhost:8000 and the gateways
  are behind nginx on http://localhost:9000.

The journeys only use :class:`System`: URLs, a database URL for the replay check, and
``restart(service)``.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.stack import REPO, DatabaseFactory, Stack

COMPOSE_FILES = ["-f", "docker-compose.yml", "-f", "tests/e2e/compose.e2e.yml"]


@dataclass
class System:
    api_url: str
    gateway_url: str
    database_url: str
    mode: str
    stack: Stack | None = None
    project: str = field(default_factory=lambda: f"todoe2e{uuid.uuid4().hex[:6]}")

    def restart(self, service: str) -> None:
        """Stop and start one of api, relay, projector, gateway."""
        if self.stack is not None:
            self.stack.restart(service)
        else:
            compose(self.project, "restart", service)
            wait_healthy(f"{self.api_url}/healthz")


def compose(project: str, *args: str) -> None:
    subprocess.run(
        ["docker", "compose", "-p", project, *COMPOSE_FILES, *args], cwd=REPO, check=True
    )


def wait_healthy(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not healthy after {timeout}s")
        time.sleep(1)


def _local(databases: DatabaseFactory) -> Iterator[System]:
    stack = databases.new_stack()
    failed = True
    try:
        for name in ("api", "relay", "projector", "gateway"):
            stack.start(name)
        yield System(stack.url("api"), stack.url("gateway"), stack.database_url, "local", stack)
        failed = False
    finally:
        stack.teardown(failed=failed)


def _compose() -> Iterator[System]:
    system = System(
        "http://localhost:8000",
        "http://localhost:9000",
        "postgresql://todo:{}@127.0.0.1:55432/todo",
        "compose",
    )
    env_password = os.environ.get("POSTGRES_PASSWORD") or _dotenv().get("POSTGRES_PASSWORD", "")
    system.database_url = system.database_url.format(env_password)
    compose(system.project, "up", "-d", "--build")
    try:
        wait_healthy(f"{system.api_url}/healthz")
        wait_healthy(f"{system.gateway_url}/nginx-healthz")
        yield system
    finally:
        compose(system.project, "down", "-v")


def _dotenv() -> dict[str, Any]:
    path = REPO / ".env"
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.strip().startswith("#")}


@pytest.fixture(scope="module")
def system(databases: DatabaseFactory) -> Iterator[System]:
    """All four processes, in the mode ``E2E_STACK`` names (``local`` or ``compose``)."""
    mode = os.environ.get("E2E_STACK", "local")
    if mode == "local":
        yield from _local(databases)
    elif mode == "compose":
        yield from _compose()
    else:
        raise ValueError(f"E2E_STACK must be local or compose, not {mode!r}")
