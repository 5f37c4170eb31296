"""Completing ninja's OpenAPI 3.1 document, and the readable ``/api/docs`` page.

ninja generates paths, parameters, request and response schemas from the routers. Added
here, in one pass: the shipped envelope JSON Schema as ``components/schemas/Envelope``
(loaded through ``todo_shared``'s schema locator), the contract headers on the responses
(``X-Write-Position`` on writes, ``X-Read-Position`` on read-model reads, ``Retry-After``
on 429/503, ``Idempotent-Replayed``), the error codes, ``security: []`` where no
credentials are needed, and OpenAPI ``links`` from what a write answers to the operations
that take its ids (create → read → rename/change → delete; schemathesis' stateful tests
walk them). The docs page is a plain table generated from the same document,
with no scripts from a CDN.
"""

from __future__ import annotations

import html
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.openapi.docs import DocsBase
from todo_shared import schema_files

from todo_api.entrypoints.http.errors import STATUS_BY_CODE

READ_OPERATIONS = {"list_lists", "get_list", "list_activity"}
INT_HEADER = {"schema": {"type": "integer"}}
HEADERS = {
    "X-Write-Position": {
        **INT_HEADER,
        "description": "position of the last event this write appended (or the resource's own)",
    },
    "X-Read-Position": {**INT_HEADER, "description": "last position the projector applied"},
    "Retry-After": {**INT_HEADER, "description": "seconds to wait before retrying"},
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "this is the remembered first answer to the Idempotency-Key",
    },
}


_LIST = "$response.body#/id"
_READ_AFTER = "$response.header.X-Write-Position"  # read your own write (min_position)
_VERSION = '"{$response.body#/version}"'  # quoted, as an ETag: If-Match: "3"
#: operationId -> status -> link name -> (target operationId, parameters).
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str]]]]] = {
    "create_list": {
        "201": {
            "GetList": ("get_list", {"path.id": _LIST, "query.min_position": _READ_AFTER}),
            "RenameList": ("rename_list", {"path.id": _LIST, "header.If-Match": _VERSION}),
            "AddMember": ("add_member", {"path.id": _LIST}),
            "CreateTodo": ("create_todo", {"path.id": _LIST}),
            "ListActivity": (
                "list_activity",
                {"path.id": _LIST, "query.min_position": _READ_AFTER},
            ),
            "DeleteList": ("delete_list", {"path.id": _LIST, "header.If-Match": _VERSION}),
        }
    },
    "get_list": {
        "200": {
            "RenameList": ("rename_list", {"path.id": _LIST, "header.If-Match": _VERSION}),
            "DeleteList": ("delete_list", {"path.id": _LIST, "header.If-Match": _VERSION}),
        }
    },
    "rename_list": {
        "200": {
            "GetList": ("get_list", {"path.id": _LIST, "query.min_position": _READ_AFTER}),
            "DeleteList": ("delete_list", {"path.id": _LIST, "header.If-Match": _VERSION}),
        }
    },
    "add_member": {
        "201": {
            "RemoveMember": (
                "remove_member",
                {"path.id": "$request.path.id", "path.user_id": "$response.body#/id"},
            ),
        }
    },
    "create_todo": {
        "201": {
            "ChangeTodo": ("change_todo", {"path.id": _LIST, "header.If-Match": _VERSION}),
            "DeleteTodo": ("delete_todo", {"path.id": _LIST, "header.If-Match": _VERSION}),
            "GetItsList": (
                "get_list",
                {"path.id": "$response.body#/list_id", "query.min_position": _READ_AFTER},
            ),
        }
    },
    "change_todo": {
        "200": {
            "DeleteTodo": ("delete_todo", {"path.id": _LIST, "header.If-Match": _VERSION}),
        }
    },
}


def _links(op_id: str, status: str) -> dict[str, Any]:
    return {
        name: {"operationId": target, "parameters": dict(parameters)}
        for name, (target, parameters) in LINKS.get(op_id, {}).get(status, {}).items()
    }


def _envelope_schema() -> dict[str, Any]:
    # The locator (todo_shared.schema_files) is the one place that knows where schemas live.
    schema = dict(schema_files.load_schema(schema_files.ENVELOPE_SCHEMA))
    schema.pop("$schema", None)  # the document's dialect is already JSON Schema 2020-12
    return schema


def _headers(op_id: str, method: str, status: str) -> dict[str, Any]:
    code = int(status)
    if code in (429, 503):
        return {"Retry-After": HEADERS["Retry-After"]}
    if code >= 300:
        return {}
    if op_id in READ_OPERATIONS:
        return {"X-Read-Position": HEADERS["X-Read-Position"]}
    writes = method in {"patch", "delete"} or (
        method == "post" and op_id in {"create_list", "add_member", "create_todo"}
    )
    headers = {"X-Write-Position": HEADERS["X-Write-Position"]} if writes else {}
    if method == "post" and op_id not in {"register", "issue_token"}:
        headers["Idempotent-Replayed"] = HEADERS["Idempotent-Replayed"]
    return headers


def complete(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Envelope"] = _envelope_schema()
    page = schemas.get("EventPageOut", {}).get("properties", {})
    if "events" in page:
        page["events"]["items"] = {"$ref": "#/components/schemas/Envelope"}
    error_body = schemas.get("ErrorBody", {}).get("properties", {})
    if "code" in error_body:
        error_body["code"]["enum"] = sorted(STATUS_BY_CODE)
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            op_id = operation.get("operationId", "")
            if "security" not in operation:
                operation["security"] = []
            for status, answer in operation.get("responses", {}).items():
                headers = _headers(op_id, method, str(status))
                if headers:
                    answer["headers"] = headers
                links = _links(op_id, str(status))
                if links:
                    answer["links"] = links
                if int(status) >= 400:
                    answer["description"] = f"error ({int(status)}); see docs/api.md for codes"
    if document.get("servers") is None or document.get("servers") == []:
        document.pop("servers", None)
    return document


class ReadableDocs(DocsBase):
    """``/api/docs``: every operation and error code in one table, no scripts."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema()
        rows = "".join(
            f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
            f"<td>{html.escape(op.get('summary', ''))}</td>"
            f"<td>{', '.join(str(s) for s in op.get('responses', {}))}</td></tr>"
            for path, item in document["paths"].items()
            for method, op in item.items()
        )
        codes = "".join(
            f"<li><code>{c}</code> ({s})</li>" for c, s in sorted(STATUS_BY_CODE.items())
        )
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Realtime TODO API</title>"
            "<style>body{font:15px system-ui;margin:2rem;max-width:64rem}"
            "td{padding:.2rem .6rem}</style><h1>Realtime TODO API</h1>"
            "<p>Machine-readable: <a href=/api/openapi.json>/api/openapi.json</a>. "
            "Authentication: <code>Authorization: Bearer &lt;token&gt;</code>, or the session "
            "cookie with <code>X-CSRFToken</code>.</p>"
            f"<table><tr><th>method<th>path<th>what<th>answers</tr>{rows}</table>"
            f"<h2>Error codes</h2><ul>{codes}</ul></html>"
        )
        return HttpResponse(page)
