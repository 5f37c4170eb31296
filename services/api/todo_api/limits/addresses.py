"""Which address a request came from, believing ``X-Forwarded-For`` only from our proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.http import HttpRequest

from todo_api.limits.config import Network, load

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, proxies: Iterable[Network]) -> bool:
    return any(address in network for network in proxies)


def resolve(remote_addr: str, forwarded_for: str, proxies: tuple[Network, ...]) -> str:
    """The client address: walk ``X-Forwarded-For`` from the right while hops are trusted.

    With no trusted proxies (the default) this is ``REMOTE_ADDR``, whatever the header says.
    Otherwise each hop we trust may name the one before it; the first untrusted (or
    malformed) entry is the client. A client cannot forge its way past a trusted proxy:
    the proxy appends the address it saw, so a forged prefix stays to the left of it.
    """
    current = _parse(remote_addr)
    if current is None:
        return remote_addr.strip()[:100] or "unknown"
    if not proxies or not _trusted(current, proxies):
        return str(current)
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        previous = _parse(hop)
        if previous is None:
            break
        current = previous
        if not _trusted(current, proxies):
            break
    return str(current)


def client_address(request: HttpRequest) -> str:
    """The address rate limits key on (see :func:`resolve`)."""
    return resolve(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        load().trusted_proxies,
    )
