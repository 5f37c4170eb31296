"""A small in-process rate limit for the credential endpoints (429 with ``Retry-After``).

Per client address, a token bucket: ``AUTH_BURST`` attempts, refilled at ``AUTH_PER_MINUTE``.
It is per process, which is enough to blunt password guessing against one API instance.
"""

from __future__ import annotations

import math

from django.http import HttpRequest
from todo_shared.rate_limit import KeyedBuckets

from todo_api.http.errors import ApiError

AUTH_BURST = 30
AUTH_PER_MINUTE = 30.0
_buckets = KeyedBuckets(AUTH_BURST, AUTH_PER_MINUTE / 60.0)


def limit_auth(request: HttpRequest) -> None:
    wait = _buckets.take(request.META.get("REMOTE_ADDR", "?"))
    if wait is not None:
        raise ApiError(
            "rate_limited",
            "too many attempts; slow down",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
