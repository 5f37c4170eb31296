"""Where the browser finds the Socket.IO gateway.

``GATEWAY_PUBLIC_URL`` (optional) overrides it: an absolute URL such as
``https://rt.example.com``, or ``/`` for "the page's own origin" (behind a proxy that
serves ``/socket.io/`` next to the page, like nginx on :8080 in compose). Unset, the URL is
the page's scheme and host name with ``GATEWAY_PORT`` — right for ``make run`` and the test
stack, where the gateway listens beside the API on the same machine.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def gateway_url(request: HttpRequest) -> str:
    """The gateway's base URL for a page served in answer to ``request``."""
    return public_gateway_url(
        request.scheme or "http",
        request.get_host(),
        settings.SETTINGS.gateway_port,
        settings.SETTINGS.gateway_public_url,
    )


def public_gateway_url(scheme: str, host: str, gateway_port: int, override: str = "") -> str:
    """``override`` if set (``/`` = the page's origin, scheme-relative), else the page's host name on
    ``gateway_port``. ``host`` is the request's ``Host`` (name, optional ``:port``)."""
    override = override.strip()
    if override == "/":
        # Scheme-relative: the browser keeps the scheme it used. Behind a TLS terminator the
        # scheme Django sees is the proxy's word for it, not necessarily the browser's.
        return f"//{host}"
    if override:
        return override.rstrip("/")
    ipv6 = host.startswith("[")  # a literal such as [::1]:8000
    name = host[: host.index("]") + 1] if ipv6 else host.rsplit(":", 1)[0]
    return f"{scheme}://{name}:{gateway_port}"
