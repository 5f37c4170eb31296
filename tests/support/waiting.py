"""Waiting for a condition in tests: poll, never assert on elapsed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WAIT = 60.0  # generous: the machine has two cores and CI may be busy


def wait_for(condition: Callable[[], Any], timeout: float = WAIT, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy (and return that); fail after
    ``timeout`` seconds naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
