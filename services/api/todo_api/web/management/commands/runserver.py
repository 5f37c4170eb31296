"""``runserver`` whose own messages are JSON log lines too (CONTRACT.md §1).

Django's development server writes its banner ("Performing system checks…", "Starting
development server at …") straight to stdout as text; this subclass routes those lines
through the ``todo_api.runserver`` logger, so every line the process prints is one JSON
object. Everything else (static files in DEBUG, autoreload) is Django's own.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.management.base import OutputWrapper

log = logging.getLogger("todo_api.runserver")


class _LogLines:
    """A text stream that logs each complete non-empty line."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                log.log(self.level, line.strip())
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _stop(signum: int, frame: object) -> None:
    log.info("api stopping", extra={"signal": signal.Signals(signum).name})
    raise SystemExit(0)


class Command(StaticRunserver):
    """Also: without an address, listen on ``API_PORT`` (CONTRACT.md §2); on SIGTERM, log
    and exit 0 like the other processes."""

    @property
    def default_port(self) -> str:  # type: ignore[override]
        return str(settings.SETTINGS.api_port)

    def execute(self, *args: Any, **options: Any) -> Any:
        self.stdout = OutputWrapper(_LogLines(logging.INFO))  # type: ignore[arg-type]
        self.stderr = OutputWrapper(_LogLines(logging.WARNING))  # type: ignore[arg-type]
        options["no_color"] = True
        signal.signal(signal.SIGTERM, _stop)
        return super().execute(*args, **options)
