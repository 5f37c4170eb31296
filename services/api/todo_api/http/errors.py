"""The one error shape of CONTRACT.md §4 and the exceptions that produce it."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from todo_api.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

# Every error code the API uses, with its status. docs/api-errors.md lists them for clients.
STATUS_BY_CODE = {
    "invalid_json": 400,
    "invalid_input": 400,
    "bad_request": 400,
    "unauthorized": 401,
    "invalid_credentials": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "version_conflict": 409,
    "conflict": 409,
    "username_taken": 409,
    "idempotency_key_reused": 422,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "unavailable": 503,
    "internal_error": 500,
}


class ApiError(Exception):
    """Raise anywhere in a request to answer with the contract's error shape."""

    def __init__(
        self,
        code: str,
        message: str,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        self.status = status or STATUS_BY_CODE[code]


def from_domain(error: DomainError) -> ApiError:
    """Map a domain refusal to its HTTP error."""
    if isinstance(error, InvalidInput):
        return ApiError("invalid_input", error.message, error.fields)
    if isinstance(error, NotFound):
        return ApiError("not_found", error.message)
    if isinstance(error, Forbidden):
        return ApiError("forbidden", error.message)
    if isinstance(error, Conflict):
        return ApiError("conflict", error.message, error.fields)
    return ApiError("bad_request", error.message, error.fields)


def error_response(error: ApiError) -> JsonResponse:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    response = JsonResponse(body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response
