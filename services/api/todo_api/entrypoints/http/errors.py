"""The one error shape of CONTRACT.md §4: every code's status, and the one renderer.

:func:`as_application_error` turns whatever went wrong (an application refusal, a framework
or database exception) into an :class:`ApplicationError`; :func:`error_response` renders it.
The django-ninja exception handler (``api.py``) and the middleware (for the web page and
anything outside ninja) both go through these two, so there is one mapping.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse

from todo_api.application.errors import ApplicationError
from todo_api.domain.errors import DomainError

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024

# Every error code the API uses, with its status; docs/api.md lists them for clients.
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
    "body_too_large": 413,
    "idempotency_key_reused": 422,
    "rate_limited": 429,
    "unavailable": 503,
    "internal_error": 500,
}


def too_large() -> ApplicationError:
    return ApplicationError("body_too_large", f"request bodies are limited to {MAX_BODY} bytes")


def as_application_error(exc: BaseException, path: str = "") -> ApplicationError | None:
    """The contract error for ``exc``, or ``None`` when nothing here knows it."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, DomainError):
        return ApplicationError.from_domain(exc)
    if isinstance(exc, RequestDataTooBig):
        return too_large()
    if isinstance(exc, OperationalError | InterfaceError):
        log.warning("database unavailable", extra={"error": repr(exc), "path": path})
        return ApplicationError("unavailable", "the database is unavailable", retry_after=2)
    if isinstance(exc, DatabaseError):
        log.exception("database error", extra={"path": path})
        return ApplicationError("unavailable", "a database error occurred; retry", retry_after=1)
    return None


def error_response(error: ApplicationError, headers: dict[str, str] | None = None) -> JsonResponse:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    response = JsonResponse(body, status=STATUS_BY_CODE[error.code])
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def internal_error() -> JsonResponse:
    return error_response(ApplicationError("internal_error", "an unexpected error occurred"))
