"""One JSON object per log line, on stdout (CONTRACT.md §1).

A request id bound with :func:`bind_request_id` (the API's middleware does, per request) is
added to every record logged in that context as ``request_id`` by :class:`RequestIdFilter`,
so one ``grep`` finds every line of one request.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("todo_request_id", default=None)


@contextmanager
def bind_request_id(request_id: str) -> Iterator[None]:
    """Tag every log record made inside the ``with`` block with ``request_id``."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to a record when one is bound and the record has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object; ``extra=`` fields become top-level keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str | None = None) -> None:
    """Send every logger's records to stdout as JSON lines tagged with ``service``.

    The level is ``level``, else ``LOG_LEVEL`` (default ``INFO``). ``WARNING`` drops the one
    line per event that the relay, the projector and the gateway write at ``INFO`` (the
    request id of the command that wrote it follows the event through them).
    """
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pika", "engineio", "socketio", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
