"""The event envelope (CONTRACT.md §3): build, encode, parse and validate.

Validation uses the JSON Schemas in ``schemas/`` at the repository root (found by
:func:`todo_shared.schema_files.schema_dir`), the very files a service in another language
checks before it publishes, so that both accept exactly the same messages. They are compiled
once by jsonschema-rs (some µs per message); ``jsonschema`` words the errors.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from todo_shared.event_registry import STORE_EVENT_TYPES, STORE_EVENTS
from todo_shared.json_text import JsonTextError, decode_json_text
from todo_shared.schema_files import ENVELOPE_SCHEMA, load_schema

MAX_MESSAGE_BYTES = 64 * 1024
SCHEMA_VERSION = 1

Envelope = dict[str, Any]


class EnvelopeError(ValueError):
    """A message that is not an acceptable envelope. ``reason`` is a short machine code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class _Checker:
    """A schema's two validators: jsonschema-rs (compiled, fast) and jsonschema (the words).

    Every instance is first checked by the compiled validator; only one it refuses goes
    through ``jsonschema``, which words the first error (and is the reference: should the two
    ever disagree on a refusal, ``jsonschema``'s acceptance stands).
    """

    fast: Any
    slow: Draft202012Validator

    @classmethod
    def of(cls, schema: dict[str, Any]) -> _Checker:
        return cls(jsonschema_rs.Draft202012Validator(schema), Draft202012Validator(schema))


@cache
def _envelope_validator() -> _Checker:
    return _Checker.of(load_schema(ENVELOPE_SCHEMA))


@cache
def _data_validator(event_type: str) -> _Checker:
    return _Checker.of(load_schema(STORE_EVENTS[event_type].data_schema))


def _first_error(checker: _Checker, instance: object, where: str) -> str | None:
    if checker.fast.is_valid(instance):
        return None
    errors = sorted(checker.slow.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    path = "/".join(str(p) for p in err.absolute_path)
    return f"{where}{'/' + path if path else ''}: {err.message[:300]}"


def validate_envelope(envelope: object) -> Envelope:
    """Check ``envelope`` against the schemas and the store-only rule; return it typed.

    Raises :class:`EnvelopeError` with reason ``invalid_envelope``, ``invalid_data`` or
    ``not_from_store`` (no ``position`` but a ``list:`` channel or a store type; or a
    ``position`` on a type the store does not record).
    """
    problem = _first_error(_envelope_validator(), envelope, "envelope")
    if problem:
        raise EnvelopeError("invalid_envelope", problem)
    assert isinstance(envelope, dict)
    event_type = envelope["type"]
    from_store = "position" in envelope
    if from_store and event_type not in STORE_EVENT_TYPES:
        # Only the store assigns positions; a foreign event claiming one would corrupt the
        # consumers' position tracking.
        raise EnvelopeError("not_from_store", f"{event_type} is not a store event: no position")
    if not from_store:
        if any(c.startswith("list:") for c in envelope["channels"]):
            raise EnvelopeError("not_from_store", "only store events may name a list: channel")
        if event_type in STORE_EVENT_TYPES:
            raise EnvelopeError("not_from_store", f"{event_type} events come from the store only")
    if event_type in STORE_EVENT_TYPES:
        problem = _first_error(_data_validator(event_type), envelope["data"], "data")
        if problem:
            raise EnvelopeError("invalid_data", problem)
    return envelope


def parse_message(body: bytes) -> Envelope:
    """Decode and validate an AMQP message body. Raises :class:`EnvelopeError`."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise EnvelopeError("too_large", f"{len(body)} bytes is over {MAX_MESSAGE_BYTES}")
    try:
        decoded = decode_json_text(body)
    except JsonTextError as exc:
        raise EnvelopeError("not_json", exc.detail) from None
    return validate_envelope(decoded)


def encode(envelope: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the wire form of an envelope."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and a ``Z``, as the contract shows."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_event_id() -> str:
    return str(uuid.uuid4())


def build_envelope(
    *,
    event_type: str,
    stream: str,
    version: int,
    data: Mapping[str, Any],
    channels: Sequence[str],
    metadata: Mapping[str, Any],
    occurred_at: datetime,
    event_id: str | None = None,
    position: int | None = None,
) -> Envelope:
    """Assemble an envelope; ``position`` is present only for store events."""
    envelope: Envelope = {
        "id": event_id or new_event_id(),
        "type": event_type,
        "schema_version": SCHEMA_VERSION,
        "stream": stream,
        "version": version,
        "occurred_at": format_time(occurred_at),
        "channels": list(channels),
        "data": dict(data),
        "metadata": dict(metadata),
    }
    if position is not None:
        envelope["position"] = position
    return envelope
