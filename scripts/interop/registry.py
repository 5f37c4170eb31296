"""What the generated interop files are made from: the store's event types and their schemas.

:func:`store_event_types` is the one function to switch when the event registry of
``todo_shared`` lands (it will list the types with their data schemas); everything else in
``scripts/interop`` is derived from it and from the files under ``schemas/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from todo_shared.envelope import MAX_MESSAGE_BYTES, SCHEMA_VERSION, STORE_EVENT_TYPES
from todo_shared.schema_files import schema_dir as schemas_dir

REPO = Path(__file__).resolve().parents[2]
SCHEMA_BASE = "https://realtime-todo.example/schemas"


def store_event_types() -> list[str]:
    """The types the event store records, in the contract's order."""
    return list(STORE_EVENT_TYPES)


def schemas_root() -> Path:
    return schemas_dir()


def load_schema(relative: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schemas_root() / relative).read_text("utf-8"))
    return schema


def data_schema_path(event_type: str) -> str:
    return f"data/{event_type}.schema.json"


def max_message_bytes() -> int:
    return MAX_MESSAGE_BYTES


def schema_version() -> int:
    return SCHEMA_VERSION
