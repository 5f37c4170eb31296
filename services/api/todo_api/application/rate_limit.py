"""A small in-process rate limit for credential attempts (register, sign in: API and page).

Per client address, a token bucket: ``AUTH_BURST`` attempts, refilled at ``AUTH_PER_MINUTE``.
It is per process, which is enough to blunt password guessing against one API instance.
Every credential attempt (API register and token, the page's sign-up and sign-in) goes
through `todo_api.identity.services`, the one caller of :func:`check_credential_attempt`.
"""

from __future__ import annotations

import math
import threading
import time

from todo_api.application.errors import ApplicationError

AUTH_BURST = 30
AUTH_PER_MINUTE = 30.0
_buckets: dict[str, tuple[float, float]] = {}
_lock = threading.Lock()


def check_credential_attempt(address: str) -> None:
    """Take one attempt from ``address``'s bucket, or raise ``rate_limited``."""
    now = time.monotonic()
    rate = AUTH_PER_MINUTE / 60.0
    with _lock:
        tokens, stamp = _buckets.get(address, (float(AUTH_BURST), now))
        tokens = min(float(AUTH_BURST), tokens + (now - stamp) * rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / rate)
            _buckets[address] = (tokens, now)
            raise ApplicationError("rate_limited", "too many attempts; slow down", retry_after=wait)
        _buckets[address] = (tokens - 1.0, now)
        if len(_buckets) > 10_000:
            _buckets.clear()
