"""A token bucket, for subscribe floods (§5 ``rate_limited``)."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """``capacity`` operations at once, refilled at ``rate`` per second."""

    def __init__(
        self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self._level = capacity
        self._at = clock()

    def take(self) -> bool:
        """Spend one operation; False when the bucket is empty."""
        now = self.clock()
        self._level = min(self.capacity, self._level + (now - self._at) * self.rate)
        self._at = now
        if self._level >= 1:
            self._level -= 1
            return True
        return False
