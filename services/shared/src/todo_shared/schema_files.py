"""Where the JSON Schemas of the envelope and of each event's ``data`` live.

:func:`schema_dir` is the one place that knows; everything that reads a schema goes through
:func:`load_schema`, so moving the files means changing this function only.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

ENVELOPE_SCHEMA = "envelope.schema.json"


def schema_dir() -> Traversable:
    """The directory holding ``envelope.schema.json`` and ``data/<Type>.schema.json``."""
    return resources.files("todo_shared").joinpath("schemas")


def load_schema(relative: str) -> dict[str, Any]:
    """The schema at ``relative`` (a path below :func:`schema_dir`), parsed."""
    schema: dict[str, Any] = json.loads(schema_dir().joinpath(relative).read_text("utf-8"))
    return schema
