"""schemas/ at the repository root, and the files generated from the event registry.

The committed ``docs/asyncapi.yaml``, ``schemas/events/*``, ``schemas/service-event.schema.json``
and the AsyncAPI page must equal what ``scripts/generate_interop.py`` makes now; the whole-event
schemas' ``$ref``s must resolve by ``$id`` (in Python here; ajv in Node is
tests/integration/test_interop_node.py).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from todo_shared.envelope import STORE_EVENT_TYPES, build_envelope
from todo_shared.schema_files import schema_dir as schemas_dir

from tests.support.stack import REPO

SCRIPTS = REPO / "scripts"


def load_generator():
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(
        "generate_interop", SCRIPTS / "generate_interop.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_schemas() -> dict[str, dict]:
    return {
        str(path.relative_to(schemas_dir())): json.loads(path.read_text())
        for path in sorted(schemas_dir().rglob("*.schema.json"))
    }


def validator(relative: str) -> Draft202012Validator:
    schemas = all_schemas()
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return Draft202012Validator(schemas[relative], registry=registry)


def test_the_package_reads_the_schemas_at_the_repository_root():
    assert schemas_dir() == REPO / "schemas"
    assert not (REPO / "services/shared/src/todo_shared/schemas").exists(), "not copied"


def test_every_schema_has_an_id_matching_its_place():
    schemas = all_schemas()
    assert len(schemas) >= 10 + 10 + 1 + 1 + 10
    for relative, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", relative
        assert schema["$id"] == f"https://realtime-todo.example/schemas/{relative}", relative


def test_committed_generated_files_are_current():
    generator = load_generator()
    assert generator.stale_files() == [], "run .venv/bin/python scripts/generate_interop.py"


def test_generation_follows_the_event_types(monkeypatch):
    generator = load_generator()
    registry = sys.modules["interop.registry"]
    reduced = [t for t in STORE_EVENT_TYPES if t != "TodoReopened"]
    for module in ("interop.registry", "interop.amqp_doc", "interop.event_schemas"):
        monkeypatch.setattr(
            sys.modules[module], "store_event_types", lambda: reduced, raising=False
        )
    monkeypatch.setattr(sys.modules["interop.event_schemas"], "_types", lambda: reduced)
    files = {path.relative_to(REPO): text for path, text in generator.generated_files().items()}
    assert Path("schemas/events/TodoReopened.schema.json") not in files
    assert Path("schemas/events/TodoCreated.schema.json") in files
    asyncapi = files[Path("docs/asyncapi.yaml")]
    assert "TodoReopened" not in asyncapi and "TodoCreated" in asyncapi
    assert registry.store_event_types() == reduced


def store_event(event_type: str, data: dict) -> dict:
    return build_envelope(
        event_type=event_type,
        stream=f"todo-{uuid.uuid4()}",
        version=1,
        data=data,
        channels=[f"list:{data['list_id']}"],
        metadata={"actor": "1", "source": "api"},
        occurred_at=datetime(2026, 11, 23, tzinfo=UTC),
        position=5,
    )


def test_whole_event_schemas_resolve_their_refs():
    list_id, todo_id = str(uuid.uuid4()), str(uuid.uuid4())
    check = validator("events/TodoCreated.schema.json")
    good = store_event("TodoCreated", {"todo_id": todo_id, "list_id": list_id, "title": "milk"})
    assert list(check.iter_errors(good)) == []
    bad_data = {**good, "data": {"todo_id": todo_id, "list_id": list_id}}  # data/…: title
    assert any("title" in e.message for e in check.iter_errors(bad_data))
    bad_envelope = {**good, "id": "nope"}  # envelope.schema.json: id pattern
    assert list(check.iter_errors(bad_envelope))
    no_position = {k: v for k, v in good.items() if k != "position"}
    assert list(check.iter_errors(no_position))
    other_type = {**good, "type": "TodoRenamed"}
    assert list(check.iter_errors(other_type))


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"position": 3}, False),  # only the store assigns positions
        ({"type": "TodoCreated"}, False),  # store type names are reserved
        ({"channels": [f"list:{uuid.uuid4()}"]}, False),  # only the store speaks for lists
        ({"channels": ["user:7", "public:news"]}, True),
    ],
)
def test_the_service_event_schema_states_the_rules_beyond_the_envelope(change, valid):
    envelope = build_envelope(
        event_type="InvoicePaid",
        stream="billing-invoice-42",
        version=1,
        data={"amount": 3},
        channels=["public:billing"],
        metadata={"source": "billing"},
        occurred_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
    envelope.update(change)
    assert validator("service-event.schema.json").is_valid(envelope) is valid
