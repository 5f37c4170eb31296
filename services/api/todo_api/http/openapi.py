"""The OpenAPI 3.1 document and a readable docs page, both generated from the route table."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from todo_api.http.errors import STATUS_BY_CODE

if TYPE_CHECKING:
    from todo_api.http.api import Route

STR = {"type": "string"}
INT = {"type": "integer"}
USER = {"type": "object", "properties": {"id": STR, "username": STR}}
LIST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": STR,
        "name": STR,
        "owner_id": STR,
        "members": {"type": "array", "items": USER},
        "open_count": INT,
        "done_count": INT,
        "version": INT,
        "position": INT,
    },
}
TODO = {
    "type": "object",
    "properties": {
        "id": STR,
        "list_id": STR,
        "title": STR,
        "completed": {"type": "boolean"},
        "version": INT,
        "position": INT,
        "created_at": STR,
        "updated_at": STR,
    },
}
ACTIVITY = {
    "type": "object",
    "properties": {"position": INT, "type": STR, "actor": STR, "summary": STR, "occurred_at": STR},
}
SCHEMAS: dict[str, Any] = {
    "User": USER,
    "Session": {"type": "object", "properties": {"id": STR, "username": STR, "token": STR}},
    "List": LIST,
    "ListArray": {"type": "array", "items": LIST},
    "ListWithTodos": {
        **LIST,
        "properties": {**LIST["properties"], "todos": {"type": "array", "items": TODO}},
    },
    "Todo": TODO,
    "ActivityArray": {"type": "array", "items": ACTIVITY},
    "EventPage": {
        "type": "object",
        "properties": {
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/Envelope"}},
            "last_position": INT,
        },
    },
    "Envelope": {"type": "object", "description": "see the envelope JSON Schema in the repository"},
    "RealtimeToken": {
        "type": "object",
        "properties": {
            "token": STR,
            "channels": {"type": "array", "items": STR},
            "expires_at": STR,
            "position": INT,
        },
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": sorted(STATUS_BY_CODE)},
                    "message": STR,
                    "fields": {"type": "object"},
                },
            }
        },
    },
}


def _operation(route: Route) -> dict[str, Any]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": STR}
        for n in ("id", "user_id")
        if "{" + n + "}" in route.path
    ]
    params += [
        {"name": n, "in": "query", "required": False, "description": d, "schema": STR}
        for n, d in route.query.items()
    ]
    ok: dict[str, Any] = {"description": "success"}
    if route.response:
        ok["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{route.response}"}}
        }
    error = {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    op: dict[str, Any] = {
        "summary": route.summary,
        "parameters": params,
        "responses": {str(route.status): ok, "default": error},
    }
    if route.body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": route.body}},
        }
    if route.auth == "none":
        op["security"] = []
    return op


def build_document(routes: list[Route]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Realtime TODO API",
            "version": "1.0.0",
            "description": "Commands become events; reads come from the read models.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def openapi_view(routes: list[Route]) -> Callable[[HttpRequest], HttpResponse]:
    document = build_document(routes)

    def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse(document)

    return view


def docs_view(routes: list[Route]) -> Callable[[HttpRequest], HttpResponse]:
    rows = "".join(
        f"<tr><td><code>{r.method}</code></td><td><code>{html.escape(r.path)}</code></td>"
        f"<td>{html.escape(r.summary)}</td><td>{r.status}</td></tr>"
        for r in routes
    )
    codes = "".join(f"<li><code>{c}</code> ({s})</li>" for c, s in sorted(STATUS_BY_CODE.items()))
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Realtime TODO API</title>"
        "<style>body{font:15px system-ui;margin:2rem;max-width:60rem}td{padding:.2rem .6rem}</style>"
        "<h1>Realtime TODO API</h1><p>Machine-readable: <a href=/api/openapi.json>/api/openapi.json</a>."
        " Authentication: <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
        f"<table><tr><th>method<th>path<th>what<th>status</tr>{rows}</table>"
        f"<h2>Error codes</h2><ul>{codes}</ul></html>"
    )

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(page)

    return view
