"""The API's rate limits as HTTP errors: 429 ``rate_limited`` with ``Retry-After``.

The counting lives in :mod:`todo_api.limits` (in the database, so every gunicorn worker
shares it); this module only turns its refusals into the contract's error shape for the
call sites: register and sign-in (per client address, and per account after failed
sign-ins), writes and realtime tokens (per user).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from todo_api.http.errors import ApiError
from todo_api.limits import policy


def _as_api_error(check: Callable[[], None]) -> None:
    try:
        check()
    except policy.RateLimited as exc:
        raise ApiError(
            "rate_limited", exc.message, headers={"Retry-After": str(exc.retry_after)}
        ) from None


def limit_auth(request: HttpRequest, username: object = None) -> None:
    """A register or sign-in attempt (``username`` given for sign-ins)."""
    _as_api_error(lambda: policy.check_auth_attempt(request, username))


def limit_user_call(method: str, path: str, user_id: str) -> None:
    """An authenticated call: realtime tokens and writes have their own per-user limits."""
    if path == "/api/realtime/token":
        _as_api_error(lambda: policy.check_realtime_token(user_id))
    elif method not in {"GET", "HEAD", "OPTIONS"} and path != "/api/auth/logout":
        _as_api_error(lambda: policy.check_write(user_id))
