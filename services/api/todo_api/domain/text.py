"""Rules for names and titles (CONTRACT.md §3): 1-200 characters after trimming, no controls."""

from __future__ import annotations

import unicodedata

from todo_api.domain.errors import InvalidInput

MAX_TEXT = 200


def clean_text(value: object, field: str) -> str:
    """Trim and check a list name or todo title; raise :class:`InvalidInput` if it is bad."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", {field: "must be a string"})
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty", {field: "must not be empty"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"{field} must be at most {MAX_TEXT} characters",
            {field: f"at most {MAX_TEXT} characters"},
        )
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in text):
        raise InvalidInput(
            f"{field} must not contain control characters", {field: "contains control characters"}
        )
    return text
