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
from todo_api.limits.counters import Decision

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


def is_limited_write(method: str, path: str) -> bool:
    """Whether an authenticated call counts against the per-user write limit."""
    path = path.rstrip("/")
    return method not in SAFE_METHODS and path not in UNLIMITED_WRITES | {REALTIME_TOKEN_PATH}


def check_user_call(method: str, path: str, user_id: str) -> None:
    """An authenticated call: realtime tokens and writes have their own per-user limits."""
    if path.rstrip("/") == REALTIME_TOKEN_PATH:
        _as_application_error(lambda: policy.check_realtime_token(user_id))
    elif is_limited_write(method, path):
        _as_application_error(lambda: policy.check_write(user_id))


def enforce_write(decision: Decision) -> None:
    """A write counted by the caller (one statement with the token lookup): refused when
    over the limit, as :func:`check_user_call` would."""
    _as_application_error(lambda: policy.enforce_write(decision))
