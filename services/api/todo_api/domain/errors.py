"""Why a command is refused. The HTTP layer maps each to a status and an error code."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal. ``code`` is the contract's error code."""

    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"
