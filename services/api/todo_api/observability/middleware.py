"""One request id per request, on every log line of it, and one JSON access line.

The id is the client's ``X-Request-ID`` when it is a sane token (``[A-Za-z0-9._:-]``, at most
100 characters), else a new UUID. It is answered in the response's ``X-Request-ID``, bound
to the logging context (``todo_shared.logs``: every line logged while the request runs
carries ``request_id``), and put back into the request's headers so that the command layer
records it as the events' ``metadata.correlation_id``; the relay, the projector and the
gateway log that id on their lines about those events.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from todo_shared.logs import bind_request_id

from todo_api.observability import metrics

access_log = logging.getLogger("todo_api.access")
HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,100}")


def request_id_for(request: HttpRequest) -> str:
    """The client's id if it is acceptable, else a fresh one."""
    given = request.META.get(META_KEY, "")
    return given if _ACCEPTABLE.fullmatch(given) else uuid.uuid4().hex


def user_id_of(request: HttpRequest) -> str | None:
    """Who made the request: the bearer token's user (``request.auth``) or the session's."""
    for candidate in (getattr(request, "auth", None), getattr(request, "_cached_user", None)):
        pk = getattr(candidate, "pk", None)
        if pk is not None and getattr(candidate, "is_authenticated", False):
            return str(pk)
    return None


class RequestObservabilityMiddleware:
    """Request id, access log line and per-route metrics. First in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.META[META_KEY] = request_id
        request.__dict__.pop("headers", None)  # rebuilt from META if already read
        started = time.perf_counter()
        with bind_request_id(request_id):
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            match = getattr(request, "resolver_match", None)
            template = metrics.route_template(getattr(match, "route", None))
            if template == "unmatched" and request.path.startswith("/static/"):
                template = "static"  # answered by WhiteNoise before URL resolution
            method = request.method or ""
            metrics.observe(method, template, response.status_code, seconds)
            fields: dict[str, Any] = {
                "method": method,
                "route": template,
                "path": request.path[:300],
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "user_id": user_id_of(request),
                "remote_addr": request.META.get("REMOTE_ADDR"),
                "forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR"),
                "pid": os.getpid(),  # which gunicorn worker answered
            }
            access_log.info("request", extra=fields)
        return response
