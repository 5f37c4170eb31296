"""``Idempotency-Key`` on POST: a retry by the same user within 24 h gets the first answer.

:func:`idempotent` wraps a ninja view (below its ``@router.post``). The view and the record
of its answer commit in one transaction, so two concurrent requests with one key cannot both
create something: the loser's ``IntegrityError`` rolls its command back and it answers as
the winner did. The key's parameter is added to the operation's OpenAPI entry too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Status
from ninja.utils import contribute_operation_callback

from todo_api.application.errors import ApplicationError
from todo_api.identity.models import IdempotencyRecord

IDEMPOTENCY_TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "1-200 printable characters; a retry within 24 h returns the first answer",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
View = TypeVar("View", bound=Callable[..., Any])


def _fingerprint(request: HttpRequest) -> str:
    method = (request.method or "").encode()
    return hashlib.sha256(method + request.path.encode() + request.body).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    body = json.loads(record.body) if record.body else None
    response: HttpResponse = (
        HttpResponse(status=record.status)
        if body is None
        else JsonResponse(body, status=record.status, safe=False)
    )
    if record.write_position is not None:
        response["X-Write-Position"] = str(record.write_position)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: View) -> View:
    """Make a POST view honour ``Idempotency-Key``.

    The view returns ``Status(code, body)`` and takes ``response: HttpResponse`` (where it
    stamps ``X-Write-Position``), so the answer can be remembered exactly.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        user = getattr(request, "auth", None)
        if key is None or user is None:
            return view(request, *args, **kwargs)
        if not 1 <= len(key) <= 200 or not key.isprintable():
            raise ApplicationError("bad_request", f"{HEADER} must be 1-200 printable characters")
        return _run_once(
            request, str(user.pk), key, lambda: view(request, *args, **kwargs), kwargs["response"]
        )

    contribute_operation_callback(wrapper, _document)
    return wrapper  # type: ignore[return-value]


def _document(operation: Any) -> None:
    extra = operation.openapi_extra or {}
    extra.setdefault("parameters", []).append(PARAMETER)
    operation.openapi_extra = extra


def _run_once(
    request: HttpRequest,
    user_id: str,
    key: str,
    run: Callable[[], Status[Any]],
    response: HttpResponse,
) -> Any:
    fingerprint = _fingerprint(request)
    fresh_after = timezone.now() - IDEMPOTENCY_TTL
    records = IdempotencyRecord.objects.filter(user_id=user_id, key=key)
    for _ in range(2):
        existing = records.first()
        if existing is not None and existing.created_at < fresh_after:
            existing.delete()
            existing = None
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise ApplicationError(
                    "idempotency_key_reused", f"this {HEADER} was used for another request"
                )
            return _replay(existing)
        try:
            with transaction.atomic():
                result = run()
                if result.status_code < 300:
                    position = response.get("X-Write-Position")
                    IdempotencyRecord.objects.create(
                        user_id=user_id,
                        key=key,
                        request_fingerprint=fingerprint,
                        status=result.status_code,
                        body=json.dumps(result.value, cls=DjangoJSONEncoder),
                        write_position=int(position) if position else None,
                    )
                return result
        except IntegrityError:
            continue  # a concurrent request with the same key won; answer as it did
    raise ApplicationError("conflict", f"a request with this {HEADER} is in progress; retry")
