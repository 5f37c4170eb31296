"""The OpenAPI 3.1 document is valid and complete (it is generated from the schemas)."""

import pytest
import requests
from openapi_spec_validator import validate
from todo_shared.schema_files import load_schema as _load_schema  # the schema locator


@pytest.fixture(scope="module")
def document(databases):
    stack = databases.new_stack()
    stack.start("api")
    reply = requests.get(stack.url("api") + "/api/openapi.json", timeout=30)
    yield reply.json()
    stack.teardown()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_it_is_a_valid_openapi_3_1_document(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_operation_has_an_id_a_tag_and_its_error_answers(document):
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids)) == 17
    for path, method, op in operations(document):
        assert op["tags"], (path, method)
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "503" in errors and errors["503"]["headers"]["Retry-After"]
        for answer in errors.values():
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut"
        if op.get("security"):
            assert "401" in errors, (path, method)


def test_contract_headers_and_parameters_are_declared(document):
    paths = document["paths"]
    for path, method, op in operations(document):
        names = {p["name"]: p for p in op["parameters"]}
        ok = next(r for s, r in op["responses"].items() if int(s) < 300)
        if method in {"patch", "delete"}:
            assert "If-Match" in names and names["If-Match"]["in"] == "header"
            assert "X-Write-Position" in ok["headers"]
        if method == "post" and op.get("security"):
            assert names["Idempotency-Key"]["in"] == "header", path
    for path in ("/api/lists", "/api/lists/{id}", "/api/lists/{id}/activity"):
        get = paths[path]["get"]
        assert "X-Read-Position" in get["responses"]["200"]["headers"]
        (min_position,) = [p for p in get["parameters"] if p["name"] == "min_position"]
        assert {"type": "integer", "minimum": 0, "maximum": 2**62} in min_position["schema"][
            "anyOf"
        ]
    create = paths["/api/lists"]["post"]["responses"]["201"]
    assert "X-Write-Position" in create["headers"]
    events = {p["name"]: p["schema"] for p in paths["/api/events"]["get"]["parameters"]}
    assert events["limit"]["type"] == "integer" and events["limit"]["maximum"] == 1000
    assert events["after"]["type"] == "integer"


def test_request_and_response_schemas_are_real(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["ListOut"]["required"]) == {
        "id",
        "name",
        "owner_id",
        "members",
        "open_count",
        "done_count",
        "version",
        "position",
    }
    assert schemas["NameIn"]["additionalProperties"] is False
    body = document["paths"]["/api/lists"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/NameIn"


def test_events_refer_to_the_shipped_envelope_schema(document):
    schemas = document["components"]["schemas"]
    items = schemas["EventPageOut"]["properties"]["events"]["items"]
    assert items == {"$ref": "#/components/schemas/Envelope"}
    expected = dict(_load_schema("envelope.schema.json"))
    expected.pop("$schema")
    assert schemas["Envelope"] == expected
