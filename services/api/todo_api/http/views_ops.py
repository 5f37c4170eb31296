"""Operational endpoints: liveness, metrics, and JSON 404/500 handlers."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from todo_shared.observability import health_response, metrics_payload

from todo_api.http.errors import ApiError, error_response


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
    if request.path.startswith("/api/"):
        return error_response(ApiError("not_found", f"no such endpoint: {request.path}"))
    return JsonResponse(
        {"error": {"code": "not_found", "message": "not found", "fields": {}}}, status=404
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 400s (a disallowed Host header, a suspicious request) in the error shape."""
    return error_response(ApiError("bad_request", "the request was refused as malformed"))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(ApiError("internal_error", "an unexpected error occurred"))
