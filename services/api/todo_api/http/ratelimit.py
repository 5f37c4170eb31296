"""A small in-process rate limit for the credential endpoints (429 with ``Retry-After``).

Per client address, a token bucket: ``AUTH_BURST`` attempts, refilled at ``AUTH_PER_MINUTE``.
It is per process, which is enough to blunt password guessing against one API instance.
"""

from __future__ import annotations

import math
import threading
import time

from django.http import HttpRequest

from todo_api.http.errors import ApiError

AUTH_BURST = 30
AUTH_PER_MINUTE = 30.0
_buckets: dict[str, tuple[float, float]] = {}
_lock = threading.Lock()


def limit_auth(request: HttpRequest) -> None:
    address = request.META.get("REMOTE_ADDR", "?")
    now = time.monotonic()
    rate = AUTH_PER_MINUTE / 60.0
    with _lock:
        tokens, stamp = _buckets.get(address, (float(AUTH_BURST), now))
        tokens = min(float(AUTH_BURST), tokens + (now - stamp) * rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / rate)
            _buckets[address] = (tokens, now)
            raise ApiError(
                "rate_limited", "too many attempts; slow down", headers={"Retry-After": str(wait)}
            )
        _buckets[address] = (tokens - 1.0, now)
        if len(_buckets) > 10_000:
            _buckets.clear()
