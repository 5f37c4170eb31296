"""``runserver`` whose own messages are JSON log lines too (CONTRACT.md §1).

Django's development server writes its banner ("Performing system checks…", "Starting
development server at …") straight to stdout as text; this subclass routes those lines
through the ``todo_api.runserver`` logger, so every line the process prints is one JSON
object. Everything else (static files in DEBUG, autoreload) is Django's own.
"""

from __future__ import annotations

import logging
from typing import Any

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


class Command(StaticRunserver):
    def execute(self, *args: Any, **options: Any) -> Any:
        self.stdout = OutputWrapper(_LogLines(logging.INFO))  # type: ignore[arg-type]
        self.stderr = OutputWrapper(_LogLines(logging.WARNING))  # type: ignore[arg-type]
        options["no_color"] = True
        return super().execute(*args, **options)
