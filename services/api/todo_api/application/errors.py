"""Why the application refuses a request: one exception, keyed by the contract's error code."""

from __future__ import annotations

from typing import Any

from todo_api.domain.errors import DomainError


class ApplicationError(Exception):
    """A refusal with the contract's ``code`` (CONTRACT.md §4); the edge picks the status.

    ``retry_after`` (seconds) says when trying again makes sense (``rate_limited``,
    ``unavailable``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        fields: dict[str, Any] | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.retry_after = retry_after

    @classmethod
    def from_domain(cls, error: DomainError) -> ApplicationError:
        """A domain refusal already carries its code; nothing is mapped by type."""
        return cls(error.code, error.message, dict(error.fields))
