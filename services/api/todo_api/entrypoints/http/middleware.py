"""Middleware: what happens before django-ninja sees a request, and CORS.

:class:`ApiEdgeMiddleware` is the one named place for the contract rules ninja cannot say
(CONTRACT.md §4, docs/api.md "Readings"):

- bodies over 64 KiB are 413 before anything reads them;
- a trailing slash on an ``/api/`` path is accepted (stripped), never redirected;
- ``HEAD`` is answered wherever ``GET`` is (run as ``GET``, body dropped), without a second
  operation in the OpenAPI document;
- Django's and ninja's own non-JSON answers (a disallowed ``Host`` 400, a 405) get the error
  shape, the 405 with an ``Allow`` header that includes ``HEAD``;
- for pages outside ninja (the web page, admin), oversized bodies and database outages are
  mapped too (:meth:`process_exception`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from todo_api.application.errors import ApplicationError
from todo_api.entrypoints.http.errors import (
    MAX_BODY,
    as_application_error,
    error_response,
    internal_error,
    too_large,
)

log = logging.getLogger(__name__)


class ApiEdgeMiddleware:
    """Runs first, so it also covers the other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(ApplicationError("bad_request", "Content-Length is not a number"))
        if length > MAX_BODY:
            return error_response(too_large())
        api = request.path.startswith("/api/")
        head = api and request.method == "HEAD"
        if api:
            if len(request.path_info) > 1 and request.path_info.endswith("/"):
                request.path_info = request.path_info.rstrip("/")
            if head:
                request.method = "GET"
        response = self.get_response(request)
        if api:
            response = self._shaped(response)
        if head:
            request.method = "HEAD"
            response.content = b""
        return response

    @staticmethod
    def _shaped(response: HttpResponse) -> HttpResponse:
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 405:
            allowed = {m.strip() for m in response.get("Allow", "").split(",") if m.strip()}
            if "GET" in allowed:
                allowed.add("HEAD")
            text = ", ".join(sorted(allowed))
            error = ApplicationError("method_not_allowed", f"use {text}")
            return error_response(error, {"Allow": text})
        if response.status_code == 400:
            # Django's own 400 pages (a disallowed Host header, with DEBUG on) in our shape.
            return error_response(ApplicationError("bad_request", "the request was refused"))
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        error = as_application_error(exc, request.path)
        if error is not None:
            return error_response(error)
        if request.path.startswith("/api/"):
            log.exception("unhandled error", extra={"path": request.path})
            return internal_error()
        return None


class CorsMiddleware:
    """Answers CORS for the origins in ``CORS_ALLOWED_ORIGINS`` on ``/api/`` paths."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.allowed = set(settings.CSRF_TRUSTED_ORIGINS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        cors = origin in self.allowed and request.path.startswith("/api/")
        if cors and request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            response = self.get_response(request)
        if cors:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
            response["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, If-Match, Idempotency-Key, X-CSRFToken"
            )
            response["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
            response["Access-Control-Expose-Headers"] = (
                "X-Write-Position, X-Read-Position, Retry-After, Idempotent-Replayed"
            )
            response["Vary"] = "Origin"
        return response
