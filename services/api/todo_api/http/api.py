"""The small framework behind every API endpoint: parse → authenticate → call → render.

A :class:`Route` declares method, path, handler and the JSON Schema of its body; the same
declarations build the URL patterns and the OpenAPI document, so the docs cannot drift from
the code. Handlers are thin: they take a :class:`Call` and return a :class:`Reply`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from jsonschema import Draft202012Validator

from todo_api.domain.errors import DomainError
from todo_api.http.after_commit import read_after_commit
from todo_api.http.errors import ApiError, error_response, from_domain
from todo_api.identity.models import IdempotencyRecord
from todo_api.identity.services import user_for_token
from todo_api.services.selectors import read_position
from todo_api.services.unit_of_work import Actor

IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass
class Call:
    """One parsed, authenticated request, as handlers see it."""

    request: HttpRequest
    params: dict[str, str]
    body: dict[str, Any]
    user: User | None
    bearer: str | None

    @property
    def actor(self) -> Actor:
        assert self.user is not None
        correlation = self.request.headers.get("X-Request-ID", "")[:100]
        return Actor(str(self.user.pk), correlation) if correlation else Actor(str(self.user.pk))

    @property
    def user_id(self) -> str:
        assert self.user is not None
        return str(self.user.pk)

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.GET.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(
                "bad_request", f"{name} must be an integer", {name: "not an integer"}
            ) from None
        if not low <= value <= high:
            raise ApiError("bad_request", f"{name} must be {low}-{high}", {name: f"{low}-{high}"})
        return value

    def if_match(self) -> int | None:
        raw = self.request.headers.get("If-Match")
        if raw is None:
            return None
        text = raw.strip().removeprefix("W/").strip('"')
        if not text.isdigit():
            raise ApiError(
                "bad_request", "If-Match must be a version number", {"If-Match": raw[:50]}
            )
        return int(text)


@dataclass
class Reply:
    """A handler's answer. ``write_position`` / ``read_position`` become the contract headers."""

    status: int
    body: Any = None
    write_position: int | None = None
    read_position: bool = False
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass
class Route:
    method: str
    path: str  # OpenAPI style: /api/lists/{id}
    handler: Handler
    summary: str
    body: dict[str, Any] | None = None  # JSON Schema of the request body
    auth: str = "user"  # "user", "none", or "custom" (handler authenticates)
    status: int = 200
    response: str | None = None  # name of the response schema in the OpenAPI document
    query: dict[str, str] = field(default_factory=dict)  # name -> description

    def validator(self) -> Draft202012Validator | None:
        return Draft202012Validator(self.body) if self.body else None


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(request: HttpRequest) -> tuple[User | None, str | None]:
    """A bearer token, else the session (with CSRF on unsafe methods)."""
    token = bearer_token(request)
    if request.headers.get("Authorization"):
        if token is None:
            raise ApiError("unauthorized", "use Authorization: Bearer <token>")
        user = user_for_token(token)
        return user, token
    session_user = getattr(request, "user", None)
    if session_user is not None and session_user.is_authenticated:
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                request, lambda r: HttpResponse(), (), {}
            )
            if rejected is not None:
                raise ApiError("csrf_failed", "CSRF check failed: send the X-CSRFToken header")
        return session_user, None
    return None, None


def decode_json(raw: bytes) -> Any:
    """Decode a request body; anything that is not plain UTF-8 JSON is ``invalid_json``.

    Refused too: nesting deep enough to exhaust the parser's recursion, and lone surrogate
    escapes (``"\\ud800"``), which are not Unicode text and could not be stored.
    """
    try:
        body = json.loads(raw)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise ApiError(
            "invalid_json", f"the request body is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    except UnicodeError:
        raise ApiError("invalid_json", "the request body is not valid UTF-8 text") from None
    except (ValueError, RecursionError):
        raise ApiError("invalid_json", "the request body is not acceptable JSON") from None
    return body


def parse_body(request: HttpRequest, route: Route) -> dict[str, Any]:
    validator = route.validator()
    if validator is None:
        return {}
    raw = request.body  # RequestDataTooBig → 413 in the middleware
    if not raw.strip():
        raise ApiError("invalid_json", "the request body must be a JSON object")
    body = decode_json(raw)
    if not isinstance(body, dict):
        raise ApiError("invalid_json", "the request body must be a JSON object")
    fields: dict[str, str] = {}
    for error in validator.iter_errors(body):
        if error.validator == "additionalProperties":
            for name in sorted(set(body) - set(route.body.get("properties", {}))):  # type: ignore[union-attr]
                fields[name[:100]] = "unknown field"
        elif error.validator == "required":
            for name in route.body.get("required", []):  # type: ignore[union-attr]
                if name not in body:
                    fields[name] = "required"
        else:
            name = str(error.absolute_path[0]) if error.absolute_path else "body"
            fields.setdefault(name, error.message[:200])
    if fields:
        raise ApiError("invalid_input", "the request body is not valid", fields)
    return body


def _render(reply: Reply) -> HttpResponse:
    if reply.body is None:
        response: HttpResponse = HttpResponse(status=reply.status)
    else:
        response = JsonResponse(reply.body, status=reply.status, safe=False)
    if reply.write_position is not None:
        response["X-Write-Position"] = str(reply.write_position)
    if reply.read_position:
        response["X-Read-Position"] = str(read_after_commit(read_position))
    for name, value in reply.headers.items():
        response[name] = value
    return response


def _fingerprint(request: HttpRequest) -> str:
    return hashlib.sha256(
        request.method.encode() + request.path.encode() + request.body
    ).hexdigest()  # type: ignore[union-attr]


def _replay(record: IdempotencyRecord) -> Reply:
    body = json.loads(record.body) if record.body else None
    return Reply(
        record.status, body, record.write_position, headers={"Idempotent-Replayed": "true"}
    )


def _idempotent(call: Call, key: str, run_handler: Callable[[], Reply]) -> Reply:
    """Return the first answer for (user, key) within 24 h; otherwise run and remember it."""
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise ApiError("bad_request", "Idempotency-Key must be 1-200 printable characters")
    fingerprint = _fingerprint(call.request)
    fresh_after = timezone.now() - IDEMPOTENCY_TTL
    records = IdempotencyRecord.objects.filter(user_id=call.user_id, key=key)
    for _ in range(2):
        existing = records.first()
        if existing is not None and existing.created_at < fresh_after:
            existing.delete()
            existing = None
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise ApiError(
                    "idempotency_key_reused", "this Idempotency-Key was used for another request"
                )
            return _replay(existing)
        try:
            with transaction.atomic():
                reply = run_handler()
                if reply.status < 300:
                    IdempotencyRecord.objects.create(
                        user_id=call.user_id,
                        key=key,
                        request_fingerprint=fingerprint,
                        status=reply.status,
                        body=json.dumps(reply.body),
                        write_position=reply.write_position,
                    )
                return reply
        except IntegrityError:
            continue  # a concurrent request with the same key won; answer as it did
    raise ApiError("conflict", "a request with this Idempotency-Key is in progress; retry")


def dispatch(
    request: HttpRequest, routes: dict[str, Route], params: dict[str, str]
) -> HttpResponse:
    """Run the route for ``request.method`` among ``routes`` (one path, several methods)."""
    try:
        method = request.method or ""
        route = routes.get("GET" if method == "HEAD" else method)
        if route is None:
            allowed = ", ".join(sorted({*routes, *(["HEAD"] if "GET" in routes else [])}))
            raise ApiError("method_not_allowed", f"use {allowed}", headers={"Allow": allowed})
        user, bearer = (None, None) if route.auth in {"none", "custom"} else authenticate(request)
        if route.auth == "user" and user is None:
            raise ApiError("unauthorized", "sign in or send Authorization: Bearer <token>")
        call = Call(request, params, parse_body(request, route), user, bearer)
        key = request.headers.get("Idempotency-Key")
        if key is not None and request.method == "POST" and user is not None:
            reply = _idempotent(call, key, lambda: route.handler(call))
        else:
            reply = route.handler(call)
        response = _render(reply)
        if method == "HEAD":
            response.content = b""
        return response
    except ApiError as exc:
        return error_response(exc)
    except DomainError as exc:
        return error_response(from_domain(exc))
