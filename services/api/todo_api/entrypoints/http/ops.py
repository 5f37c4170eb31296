"""Operational endpoints (liveness, metrics) and Django's JSON 400/404/500 handlers."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from todo_shared.observability import health_response, metrics_payload

from todo_api.application.errors import ApplicationError
from todo_api.entrypoints.http.errors import error_response, internal_error


def _check_database() -> tuple[bool, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, {"database": "ok"}


def healthz(request: HttpRequest) -> HttpResponse:
    status, body = health_response(_check_database)
    return HttpResponse(body, status=status, content_type="application/json")


def metrics(request: HttpRequest) -> HttpResponse:
    payload, content_type = metrics_payload()
    return HttpResponse(payload, content_type=content_type)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    what = f"no such endpoint: {request.path}" if request.path.startswith("/api/") else "not found"
    return error_response(ApplicationError("not_found", what))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 400s (a disallowed Host header, a suspicious request) in the error shape."""
    return error_response(ApplicationError("bad_request", "the request was refused as malformed"))


def server_error(request: HttpRequest) -> HttpResponse:
    return internal_error()
