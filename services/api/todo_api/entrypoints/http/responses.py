"""Which error answers each operation documents (all in the one error shape)."""

from __future__ import annotations

from typing import Any

from todo_api.entrypoints.http.schemas import ErrorOut

# Any request may meet a database that is down.
ALWAYS = (503,)
USER = (401, 403)  # no/bad credentials; csrf_failed with a session
BODY = (400, 413)  # invalid JSON or input; a body over 64 KiB


def errors(*statuses: int) -> dict[int, Any]:
    """``{status: ErrorOut}`` for ``response=`` of a route, plus :data:`ALWAYS`."""
    return {s: ErrorOut for s in sorted({*statuses, *ALWAYS})}
