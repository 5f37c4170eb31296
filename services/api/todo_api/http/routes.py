"""Every API endpoint in one table: it builds the URL patterns and the OpenAPI document."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from todo_api.http import openapi, views_auth, views_lists, views_realtime, views_todos
from todo_api.http.api import Route, dispatch
from todo_api.http.views_ops import not_found

TEXT = {"type": "string", "maxLength": 1000}


def _body(required: list[str], **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


CREDENTIALS = _body(
    ["username", "password"],
    username={"type": "string", "maxLength": 150},
    password={"type": "string", "maxLength": 512},
)
NAME = _body(["name"], name=TEXT)
TITLE = _body(["title"], title=TEXT)
TODO_CHANGE = {**_body([], title=TEXT, completed={"type": "boolean"}), "minProperties": 1}
MEMBER = _body(["username"], username={"type": "string", "maxLength": 150})
CHANNELS = _body(
    ["channels"],
    channels={
        "type": "array",
        "minItems": 1,
        "maxItems": 100,
        "items": {"type": "string", "maxLength": 100},
    },
)
READ = {"min_position": "wait (at most 5 s) until the read models reach this position"}

ROUTES: list[Route] = [
    Route(
        "POST",
        "/api/auth/register",
        views_auth.register,
        "Create an account",
        CREDENTIALS,
        auth="none",
        status=201,
        response="Session",
    ),
    Route(
        "POST",
        "/api/auth/token",
        views_auth.token,
        "Sign in: get a bearer token",
        CREDENTIALS,
        auth="none",
        response="Session",
    ),
    Route("GET", "/api/auth/me", views_auth.me, "Who am I", response="User"),
    Route("POST", "/api/auth/logout", views_auth.logout, "Revoke this bearer token", status=204),
    Route(
        "GET",
        "/api/lists",
        views_lists.get_lists,
        "The lists I belong to",
        response="ListArray",
        query=READ,
    ),
    Route(
        "POST",
        "/api/lists",
        views_lists.create_list,
        "Create a list",
        NAME,
        status=201,
        response="List",
    ),
    Route(
        "GET",
        "/api/lists/{id}",
        views_lists.get_list,
        "One list with its todos",
        response="ListWithTodos",
        query=READ,
    ),
    Route(
        "PATCH",
        "/api/lists/{id}",
        views_lists.rename_list,
        "Rename a list (owner)",
        NAME,
        response="List",
    ),
    Route(
        "DELETE", "/api/lists/{id}", views_lists.delete_list, "Delete a list (owner)", status=204
    ),
    Route(
        "POST",
        "/api/lists/{id}/members",
        views_lists.add_member,
        "Add a member (owner)",
        MEMBER,
        status=201,
        response="User",
    ),
    Route(
        "DELETE",
        "/api/lists/{id}/members/{user_id}",
        views_lists.remove_member,
        "Remove a member (owner), or leave (yourself)",
        status=204,
    ),
    Route(
        "GET",
        "/api/lists/{id}/activity",
        views_lists.activity,
        "The list's activity, newest first",
        response="ActivityArray",
        query={"limit": "1-500, default 50", **READ},
    ),
    Route(
        "POST",
        "/api/lists/{id}/todos",
        views_todos.create_todo,
        "Add a todo",
        TITLE,
        status=201,
        response="Todo",
    ),
    Route(
        "PATCH",
        "/api/todos/{id}",
        views_todos.change_todo,
        "Rename, complete or reopen a todo",
        TODO_CHANGE,
        response="Todo",
    ),
    Route("DELETE", "/api/todos/{id}", views_todos.delete_todo, "Delete a todo", status=204),
    Route(
        "GET",
        "/api/events",
        views_realtime.events,
        "Catch up on store events",
        auth="custom",
        response="EventPage",
        query={
            "after": "position cursor (default 0)",
            "channel": "one channel",
            "limit": "1-1000, default 100",
        },
    ),
    Route(
        "POST",
        "/api/realtime/token",
        views_realtime.realtime_token,
        "A short-lived token for the Socket.IO gateway",
        CHANNELS,
        response="RealtimeToken",
    ),
]


def _regex(path: str) -> str:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path.lstrip("/"))
    return f"^{pattern}/?$"  # a trailing slash is accepted, never redirected


def api_urlpatterns() -> list[URLPattern]:
    by_path: dict[str, dict[str, Route]] = defaultdict(dict)
    for route in ROUTES:
        by_path[route.path][route.method] = route
    patterns = []
    for path, routes in by_path.items():

        def view(
            request: HttpRequest, _routes: dict[str, Route] = routes, **params: str
        ) -> HttpResponse:
            return dispatch(request, _routes, params)

        patterns.append(re_path(_regex(path), csrf_exempt(view)))
    patterns.append(re_path(r"^api/openapi\.json$", openapi.openapi_view(ROUTES)))
    patterns.append(re_path(r"^api/docs/?$", openapi.docs_view(ROUTES)))
    patterns.append(re_path(r"^api/", not_found))  # JSON 404 for the rest, DEBUG or not
    return patterns
