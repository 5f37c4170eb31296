"""Middleware: one place that turns every failure into the contract's error shape, and CORS."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from todo_api.domain.errors import DomainError
from todo_api.http.errors import ApiError, error_response, from_domain

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


class ApiErrorMiddleware:
    """Maps ``ApiError``, domain errors, oversized bodies and database outages; never a 500 page.

    Runs first, so it also covers the other middleware. Non-API paths (the web page, admin)
    keep Django's own handling except for the 413 and 503 mapping.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(ApiError("bad_request", "Content-Length is not a number"))
        if length > MAX_BODY:
            return self._too_big()
        response = self.get_response(request)
        if (
            response.status_code == 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # Django's own 400 pages (a disallowed Host header, with DEBUG on) in our shape.
            return error_response(ApiError("bad_request", "the request was refused as malformed"))
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, ApiError):
            return error_response(exc)
        if isinstance(exc, DomainError):
            return error_response(from_domain(exc))
        if isinstance(exc, RequestDataTooBig):
            return self._too_big()
        if isinstance(exc, OperationalError | InterfaceError):
            log.warning("database unavailable", extra={"error": repr(exc), "path": request.path})
            return error_response(
                ApiError("unavailable", "the database is unavailable", headers={"Retry-After": "2"})
            )
        if isinstance(exc, DatabaseError):
            log.exception("database error", extra={"path": request.path})
            return error_response(
                ApiError(
                    "unavailable", "a database error occurred; retry", headers={"Retry-After": "1"}
                )
            )
        if request.path.startswith("/api/"):
            log.exception("unhandled error", extra={"path": request.path})
            return error_response(ApiError("internal_error", "an unexpected error occurred"))
        return None

    @staticmethod
    def _too_big() -> HttpResponse:
        return error_response(
            ApiError("body_too_large", f"request bodies are limited to {MAX_BODY} bytes")
        )


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
