"""Where the JSON Schemas of the envelope and of each event's ``data`` live.

:func:`schema_dir` is the one place that knows; everything that reads a schema goes through
:func:`load_schema`, so moving the files means changing this function only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ENVELOPE_SCHEMA = "envelope.schema.json"


def schema_dir() -> Path:
    """``schemas/`` at the repository root: ``envelope.schema.json``, ``data/<Type>.schema.json``.

    The very files a service in another language validates against. The workspace packages
    are installed editable (``uv sync``, and the Dockerfile, which copies ``schemas/`` beside
    ``services/``), so the directory is found from this file's place in the tree, as
    :data:`todo_shared.config.REPO_ROOT` is.
    """
    return Path(__file__).resolve().parents[4] / "schemas"


def load_schema(relative: str) -> dict[str, Any]:
    """The schema at ``relative`` (a path below :func:`schema_dir`), parsed."""
    schema: dict[str, Any] = json.loads(schema_dir().joinpath(relative).read_text("utf-8"))
    return schema
