"""Request bodies: strict UTF-8 JSON objects, or ``invalid_json``.

django-ninja wraps any parser exception in a 400 ``HttpError``; the exception handler in
``api.py`` unwraps the :class:`ApplicationError` raised here (its ``__cause__``), so the
client sees ``invalid_json`` with our message.

The decode itself is the shared, surrogate-safe :func:`todo_shared.json_text.decode_json_text`
(todo_shared.envelope.parse_message uses it too); this module only words its refusals.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser
from todo_shared.json_text import JsonTextError, decode_json_text

from todo_api.application.errors import ApplicationError


def decode_json(raw: bytes) -> Any:
    """Decode a request body; anything that is not plain UTF-8 JSON is ``invalid_json``.

    Refused too: nesting deep enough to exhaust the parser's recursion, and lone surrogate
    escapes (``"\\ud800"``), which are not Unicode text and could not be stored.
    """
    try:
        return decode_json_text(raw)
    except JsonTextError as exc:
        cause = exc.cause
        if isinstance(cause, json.JSONDecodeError):
            message = f"the request body is not valid JSON: {cause.msg} at line {cause.lineno}"
        elif exc.problem == "encoding":
            message = "the request body is not valid UTF-8 text"
        else:  # too deeply nested, or a value json refuses (neither syntax nor encoding)
            message = "the request body is not acceptable JSON"
        raise ApplicationError("invalid_json", message) from None


def not_an_object() -> ApplicationError:
    return ApplicationError("invalid_json", "the request body must be a JSON object")


class JsonObjectParser(Parser):
    """ninja's parser, made strict: a JSON object or ``invalid_json``."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        raw = request.body  # RequestDataTooBig → 413 (errors.as_application_error)
        if not raw.strip():
            raise not_an_object()
        body = decode_json(raw)
        if not isinstance(body, dict):
            raise not_an_object()
        return body
