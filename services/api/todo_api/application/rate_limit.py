"""A small in-process rate limit for credential attempts (register, sign in: API and page).

Per client address, a token bucket: ``AUTH_BURST`` attempts, refilled at ``AUTH_PER_MINUTE``.
It is per process, which is enough to blunt password guessing against one API instance.
Every credential attempt (API register and token, the page's sign-up and sign-in) goes
through `todo_api.identity.services`, the one caller of :func:`check_credential_attempt`.
"""

from __future__ import annotations

import math

from todo_shared.rate_limit import KeyedBuckets

from todo_api.application.errors import ApplicationError

AUTH_BURST = 30
AUTH_PER_MINUTE = 30.0
_buckets = KeyedBuckets(AUTH_BURST, AUTH_PER_MINUTE / 60.0)


def check_credential_attempt(address: str) -> None:
    """Take one attempt from ``address``'s bucket, or raise ``rate_limited``."""
    wait = _buckets.take(address)
    if wait is not None:
        raise ApplicationError(
            "rate_limited", "too many attempts; slow down", retry_after=max(1, math.ceil(wait))
        )
