"""Decoding JSON that must be Unicode text: the one decoder of request and message bodies.

``json.loads`` accepts lone surrogate escapes (``"\\ud800"``), which decode to a ``str``
that cannot be encoded again — not text anyone could store or forward. They are refused
here, with syntax errors, bytes that are not UTF-8, and nesting deep enough to exhaust the
parser's recursion.
"""

from __future__ import annotations

import json
from typing import Any


class JsonTextError(ValueError):
    """Not acceptable JSON text. ``problem`` is ``syntax``, ``encoding`` or ``depth``."""

    def __init__(self, problem: str, detail: str, cause: BaseException | None = None) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.cause = cause


def decode_json_text(raw: bytes | str) -> Any:
    """Decode ``raw``; raises :class:`JsonTextError` for anything but plain UTF-8 JSON."""
    try:
        decoded = json.loads(raw)
        json.dumps(decoded, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
    except RecursionError:
        raise JsonTextError("depth", "nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise JsonTextError("syntax", str(exc)[:200], exc) from None
    except UnicodeError as exc:
        raise JsonTextError("encoding", str(exc)[:200], exc) from None
    except ValueError as exc:
        raise JsonTextError("syntax", str(exc)[:200], exc) from None
    return decoded
