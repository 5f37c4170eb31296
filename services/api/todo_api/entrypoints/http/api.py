"""The JSON API: one django-ninja ``NinjaAPI`` with a router per resource and one error shape.

Every failure reaches :func:`_handle` (ninja calls it for any exception an operation, its
auth or its parsing raises) and leaves as CONTRACT.md §4's ``{"error": {code, message,
fields}}``, keyed by the application error's code (``errors.STATUS_BY_CODE``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from todo_api.application.errors import ApplicationError
from todo_api.entrypoints.http import openapi
from todo_api.entrypoints.http.errors import as_application_error, error_response, internal_error
from todo_api.entrypoints.http.parsing import JsonObjectParser, not_an_object
from todo_api.entrypoints.http.routers import auth, lists, realtime, todos

log = logging.getLogger(__name__)


class TodoApi(NinjaAPI):
    """``NinjaAPI`` whose OpenAPI document is completed by :mod:`.openapi`."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return openapi.complete(super().get_openapi_schema(**kwargs))


api = TodoApi(
    title="Realtime TODO API",
    version="1.0.0",
    description="Commands become events; reads come from the read models. "
    "Errors: docs/api.md. Event envelope: the shipped JSON Schema (components/schemas/Envelope).",
    urls_namespace="api",
    parser=JsonObjectParser(),
    docs=openapi.ReadableDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/auth", auth.router)
api.add_router("/lists", lists.router)
api.add_router("", todos.router)
api.add_router("", realtime.router)


def _validation(exc: ValidationError) -> ApplicationError:
    """pydantic's errors as ours: query/path/header problems are ``bad_request``, body ones
    ``invalid_input`` (or ``invalid_json`` when there is no body at all)."""
    fields: dict[str, str] = {}
    where = "body"
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "body"
        if where == "body" and len(loc) <= 2 and error.get("type") == "missing":
            return not_an_object()
        name = loc[-1] if len(loc) > (2 if where == "body" else 1) else where
        kind = error.get("type")
        reason = {"missing": "required", "extra_forbidden": "unknown field"}.get(
            str(kind), str(error.get("msg", "invalid"))[:200]
        )
        fields.setdefault(name[:100], reason)
    if where == "body":
        return ApplicationError("invalid_input", "the request body is not valid", fields)
    return ApplicationError("bad_request", "a parameter is not valid", fields)


def _handle(request: HttpRequest, exc: Any) -> HttpResponse:  # ninja types it loosely
    if isinstance(exc, ValidationError):
        return error_response(_validation(exc))
    if isinstance(exc, Http404):
        return error_response(ApplicationError("not_found", "not found"))
    if isinstance(exc, AuthenticationError):
        return error_response(
            ApplicationError("unauthorized", "sign in or send Authorization: Bearer <token>")
        )
    # ninja wraps the parser's ApplicationError in an HttpError: unwrap it.
    cause = exc.__cause__ if isinstance(exc, HttpError) else None
    error = as_application_error(cause, request.path) if cause is not None else None
    error = error or as_application_error(exc, request.path)
    if error is not None:
        return error_response(error)
    if isinstance(exc, HttpError):
        return error_response(ApplicationError("bad_request", str(exc)))
    log.exception("unhandled error", extra={"path": request.path}, exc_info=exc)
    return internal_error()


# ninja registers defaults for these (answering {"detail": …}); ours replaces every one.
api.add_exception_handler(Exception, _handle)
api.add_exception_handler(Http404, _handle)
api.add_exception_handler(HttpError, _handle)
api.add_exception_handler(ValidationError, _handle)
