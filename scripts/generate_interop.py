"""Write (or, with --check, verify) the files derived from the event registry and schemas/:

- ``schemas/events/<Type>.schema.json`` and ``schemas/service-event.schema.json``
- ``docs/asyncapi.yaml`` (AsyncAPI 3.0, the whole asynchronous interface)
- ``services/api/todo_api/web/static/web/asyncapi.html`` (served at ``/api/asyncapi``)

Run ``.venv/bin/python scripts/generate_interop.py`` after changing an event type or a schema;
``--check`` exits 1 naming every stale file (the unit tests do the same).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop.document import asyncapi_yaml, document
from interop.event_schemas import generated_schemas
from interop.html_page import asyncapi_html
from interop.registry import REPO, schemas_root

HTML_PAGE = REPO / "services" / "api" / "todo_api" / "web" / "static" / "web" / "asyncapi.html"


def generated_files() -> dict[Path, str]:
    files = {
        schemas_root() / name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        for name, schema in generated_schemas().items()
    }
    files[REPO / "docs" / "asyncapi.yaml"] = asyncapi_yaml()
    files[HTML_PAGE] = asyncapi_html(document())
    return files


def stale_files() -> list[Path]:
    return [
        path
        for path, text in generated_files().items()
        if not path.exists() or path.read_text("utf-8") != text
    ]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path.relative_to(REPO)} (run scripts/generate_interop.py)")
        return 1 if stale else 0
    for path, text in generated_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
