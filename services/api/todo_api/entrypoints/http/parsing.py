"""Request bodies: strict UTF-8 JSON objects, or ``invalid_json``.

django-ninja wraps any parser exception in a 400 ``HttpError``; the exception handler in
``api.py`` unwraps the :class:`ApplicationError` raised here (its ``__cause__``), so the
client sees ``invalid_json`` with our message.

The surrogate-safe decode below mirrors ``todo_shared.envelope.parse_message``'s; that one is
fused with the envelope's size check and error type, so it does not fit here as it is. When
the shared package offers a plain decode function (issue 19, core), call it from here.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from todo_api.application.errors import ApplicationError


def decode_json(raw: bytes) -> Any:
    """Decode a request body; anything that is not plain UTF-8 JSON is ``invalid_json``.

    Refused too: nesting deep enough to exhaust the parser's recursion, and lone surrogate
    escapes (``"\\ud800"``), which are not Unicode text and could not be stored.
    """
    try:
        body = json.loads(raw)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise ApplicationError(
            "invalid_json", f"the request body is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    except UnicodeError:
        raise ApplicationError("invalid_json", "the request body is not valid UTF-8 text") from None
    except (ValueError, RecursionError):
        raise ApplicationError("invalid_json", "the request body is not acceptable JSON") from None
    return body


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
