"""The rate limits and trusted proxies, read once from the environment.

| variable | default | what it limits |
| --- | --- | --- |
| ``RATE_LIMIT_AUTH`` | ``60/60`` | register + sign-in attempts per client address (API and web page) |
| ``RATE_LIMIT_SIGNIN_FAILURES`` | ``10/900`` | failed sign-ins per account (username, case-insensitive) |
| ``RATE_LIMIT_WRITES`` | ``600/60`` | list/todo/member writes per user |
| ``RATE_LIMIT_REALTIME_TOKENS`` | ``60/60`` | ``POST /api/realtime/token`` per user |
| ``TRUSTED_PROXIES`` | empty | addresses/CIDRs whose ``X-Forwarded-For`` is believed |

A limit is ``<count>/<seconds>`` (a fixed window); ``0`` switches it off. These are the
API's own additions, not CONTRACT.md §2 variables; docs/security.md documents them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from todo_shared.config import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window`` seconds; ``count == 0`` means unlimited."""

    name: str
    count: int
    window: int

    @property
    def enabled(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class LimitsConfig:
    auth: Limit
    signin_failures: Limit
    writes: Limit
    realtime_tokens: Limit
    trusted_proxies: tuple[Network, ...]


DEFAULTS = {
    "auth": ("RATE_LIMIT_AUTH", "60/60"),
    "signin_failures": ("RATE_LIMIT_SIGNIN_FAILURES", "10/900"),
    "writes": ("RATE_LIMIT_WRITES", "600/60"),
    "realtime_tokens": ("RATE_LIMIT_REALTIME_TOKENS", "60/60"),
}


def parse_limit(name: str, variable: str, raw: str) -> Limit:
    text = raw.strip()
    if text == "0":
        return Limit(name, 0, 1)
    count, slash, window = text.partition("/")
    if not slash or not count.strip().isdigit() or not window.strip().isdigit():
        raise ConfigError(f"{variable} must be <count>/<seconds> or 0, got {raw!r}")
    limit = Limit(name, int(count), int(window))
    if not 1 <= limit.window <= 86_400 or limit.count > 1_000_000:
        raise ConfigError(f"{variable}: window 1-86400 s and count at most 1000000, got {raw!r}")
    return limit


def parse_proxies(raw: str) -> tuple[Network, ...]:
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"TRUSTED_PROXIES must list IP addresses or CIDR ranges, got {item!r}"
            ) from None
    return tuple(networks)


def load_from(env: Mapping[str, str]) -> LimitsConfig:
    """Read and check the variables; raises :class:`ConfigError` on a wrong value."""
    limits = {
        field: parse_limit(field, variable, env.get(variable, "").strip() or default)
        for field, (variable, default) in DEFAULTS.items()
    }
    return LimitsConfig(**limits, trusted_proxies=parse_proxies(env.get("TRUSTED_PROXIES", "")))


@lru_cache(maxsize=1)
def load() -> LimitsConfig:
    """The process's configuration (read once, at start-up)."""
    return load_from(os.environ)
