"""What every scenario gets: settings, the database factory, a log folder, the notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.suite.procs import SERVER_CORE, pinned
from bench.suite.runner import Settings
from tests.support.stack import AMQP_URL, PYTHON, DatabaseFactory, Stack, free_port

#: Our gateway's environment in every scenario: room for the bench's clients, and one load
#: generator's token stands for every client, so the per-user connection cap (#16) is lifted.
GATEWAY_ENV = {"GATEWAY_MAX_CONNECTIONS": "20000", "GATEWAY_MAX_CONNECTIONS_PER_USER": "1000000"}


@dataclass
class Context:
    settings: Settings
    factory: DatabaseFactory
    log_dir: Path
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def quick(self) -> bool:
        return self.settings.quick

    def pick(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full


def start_pinned(stack: Stack, name: str, env: dict[str, str] | None = None) -> int:
    """Start one of this system's processes on the server core; return its pid."""
    from tests.support.stack import COMMANDS

    kind = name.split("#", 1)[0]
    template, port_var = COMMANDS[kind]
    port = free_port()
    argv = pinned(SERVER_CORE, ["{python}", *template])
    proc = stack.start(
        name, argv=argv, env={port_var: str(port), **(env or {})}, port=port, timeout=180
    )
    assert proc.popen is not None
    return proc.popen.pid


__all__ = ["AMQP_URL", "PYTHON", "Context", "start_pinned"]
