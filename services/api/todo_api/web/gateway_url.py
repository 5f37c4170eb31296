"""Where the browser finds the Socket.IO gateway.

``GATEWAY_PUBLIC_URL`` (optional) overrides it: an absolute URL such as
``https://rt.example.com``, or ``/`` for "the page's own origin" (behind a proxy that
serves ``/socket.io/`` next to the page, like nginx on :8080 in compose). Unset, the URL is
the page's scheme and host name with ``GATEWAY_PORT`` — right for ``make run`` and the test
stack, where the gateway listens beside the API on the same machine.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.http import HttpRequest


def gateway_url(request: HttpRequest) -> str:
    """The gateway's base URL for a page served in answer to ``request``."""
    override = os.environ.get("GATEWAY_PUBLIC_URL", "").strip()
    if override == "/":
        return f"{request.scheme}://{request.get_host()}"
    if override:
        return override.rstrip("/")
    host = request.get_host()
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        name = host[: host.index("]") + 1]
    else:
        name = host.rsplit(":", 1)[0]
    return f"{request.scheme}://{name}:{settings.SETTINGS.gateway_port}"
