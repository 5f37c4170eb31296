"""Which browser origins may open a Socket.IO connection (``CORS_ALLOWED_ORIGINS``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def origin_checker(allowed: Iterable[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    """Allow the configured origins, plus the gateway's own origin.

    Requests without ``Origin`` (non-browser clients) never reach this check. The gateway's
    own origin is allowed because the python-socketio client sends it, and no page served
    from the gateway's origin exists that could abuse it.
    """
    configured = {origin.rstrip("/") for origin in allowed}

    def is_allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True
        if "*" in configured or origin in configured:
            return True
        host = environ.get("HTTP_HOST")
        scheme = environ.get("wsgi.url_scheme", "http")
        return host is not None and origin == f"{scheme}://{host}"

    return is_allowed
