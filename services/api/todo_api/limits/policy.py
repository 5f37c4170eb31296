"""The named checks the API's call sites make (each raises :class:`RateLimited`)."""

from __future__ import annotations

from todo_api.limits import counters
from todo_api.limits.config import load
from todo_api.limits.signals import account_key


class RateLimited(Exception):
    """Over a limit: answer 429 ``rate_limited`` with ``Retry-After: retry_after``."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _enforce(decision: counters.Decision, message: str) -> None:
    if not decision.allowed:
        raise RateLimited(message, decision.retry_after)


def check_auth_attempt(address: str, username: object = None) -> None:
    """A register or sign-in attempt: counted per client ``address``; and, given a username,
    refused while that account has too many recent failed sign-ins (not counted here: the
    failure itself is, by the ``user_login_failed`` signal)."""
    config = load()
    _enforce(
        counters.hit(config.auth, address),
        "too many sign-in or sign-up attempts from your address; slow down",
    )
    if username:
        _enforce(
            counters.peek(config.signin_failures, account_key(username)),
            "too many failed sign-ins for this account; wait before trying again",
        )


def check_write(user_id: str) -> None:
    """One write (list, todo or member change) by ``user_id``."""
    enforce_write(counters.hit(load().writes, user_id))


def enforce_write(decision: counters.Decision) -> None:
    """Refuse a write whose hit (counted by the caller, e.g. with :func:`counters.hit_found`)
    is over the per-user write limit."""
    _enforce(decision, "too many changes; slow down")


def check_realtime_token(user_id: str) -> None:
    """One ``POST /api/realtime/token`` by ``user_id``."""
    _enforce(counters.hit(load().realtime_tokens, user_id), "too many realtime tokens; slow down")
