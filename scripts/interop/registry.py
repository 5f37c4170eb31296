"""What the generated interop files are made from: the store's event types and their schemas.

:func:`store_event_types` and :func:`data_schema_path` read ``todo_shared.event_registry``
(each store event type defined once); everything else in ``scripts/interop`` is derived from
them and from the files under ``schemas/``, so the AsyncAPI document cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from todo_shared.envelope import MAX_MESSAGE_BYTES, SCHEMA_VERSION
from todo_shared.event_registry import STORE_EVENTS
from todo_shared.schema_files import schema_dir as schemas_dir

REPO = Path(__file__).resolve().parents[2]
SCHEMA_BASE = "https://realtime-todo.example/schemas"


def store_event_types() -> list[str]:
    """The types the event store records, in the contract's order."""
    return list(STORE_EVENTS)


def schemas_root() -> Path:
    return schemas_dir()


def load_schema(relative: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schemas_root() / relative).read_text("utf-8"))
    return schema


def data_schema_path(event_type: str) -> str:
    return STORE_EVENTS[event_type].data_schema


def max_message_bytes() -> int:
    return MAX_MESSAGE_BYTES


def schema_version() -> int:
    return SCHEMA_VERSION
