"""Token buckets: the one rate limit of the project (gateway subscribes, API sign-ins).

:class:`TokenBucket` is one client's budget; :class:`KeyedBuckets` a thread-safe bucket per
key (a client address), bounded in memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """``capacity`` operations at once, refilled at ``rate`` per second."""

    __slots__ = ("_at", "_level", "capacity", "clock", "rate")  # one per gateway connection

    def __init__(self, capacity: float, rate: float, clock: Clock = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self._level = float(capacity)
        self._at = clock()

    def _refill(self) -> None:
        now = self.clock()
        self._level = min(self.capacity, self._level + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> bool:
        """Spend one operation; False when the bucket is empty."""
        self._refill()
        if self._level >= 1:
            self._level -= 1
            return True
        return False

    def seconds_until_available(self) -> float:
        """How long until :meth:`take` can succeed (0 when it can now)."""
        self._refill()
        return 0.0 if self._level >= 1 else (1.0 - self._level) / self.rate


class KeyedBuckets:
    """One :class:`TokenBucket` per key; all are forgotten when more than ``max_keys`` exist."""

    def __init__(
        self, capacity: float, rate: float, max_keys: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.rate = rate
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Spend one operation of ``key``: ``None`` if allowed, else seconds to wait."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()
                bucket = self._buckets[key] = TokenBucket(self.capacity, self.rate, self.clock)
            if bucket.take():
                return None
            return bucket.seconds_until_available()
