"""The API's rate limits as application errors: ``rate_limited`` with ``retry_after``.

The counting lives in :mod:`todo_api.limits` (in the database, so every gunicorn worker
shares it; defaults and variables in docs/security.md). Credential attempts (register and
sign-in, from the API and the page) come through :mod:`todo_api.identity.services`; the
per-user limits on writes and realtime tokens are applied by the HTTP edge's auth classes
(:func:`check_user_call`), once the caller is known.
"""

from __future__ import annotations

from collections.abc import Callable

from todo_api.application.errors import ApplicationError
from todo_api.limits import policy

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REALTIME_TOKEN_PATH = "/api/realtime/token"
UNLIMITED_WRITES = frozenset({"/api/auth/logout"})


def _as_application_error(check: Callable[[], None]) -> None:
    try:
        check()
    except policy.RateLimited as exc:
        raise ApplicationError("rate_limited", exc.message, retry_after=exc.retry_after) from None


def check_credential_attempt(address: str, username: str | None = None) -> None:
    """A register (no ``username``) or sign-in attempt from the client at ``address``."""
    _as_application_error(lambda: policy.check_auth_attempt(address, username))


def check_user_call(method: str, path: str, user_id: str) -> None:
    """An authenticated call: realtime tokens and writes have their own per-user limits."""
    path = path.rstrip("/")
    if path == REALTIME_TOKEN_PATH:
        _as_application_error(lambda: policy.check_realtime_token(user_id))
    elif method not in SAFE_METHODS and path not in UNLIMITED_WRITES:
        _as_application_error(lambda: policy.check_write(user_id))
