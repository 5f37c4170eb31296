"""The API's Prometheus metrics, per route (the route's template, never the raw path).

Under gunicorn every worker writes its values to ``PROMETHEUS_MULTIPROC_DIR`` and
``/metrics`` merges them (``todo_shared.observability.metrics_payload``).
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "api_requests_total",
    "HTTP requests answered, by method, route and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "api_request_duration_seconds",
    "Time to answer an HTTP request, by method and route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMANDS = Counter(
    "api_commands_total", "Write commands answered, by command and outcome", ["command", "outcome"]
)

# (method, route with its parameters as {}) → the command it runs (CONTRACT.md §4).
COMMAND_ROUTES = {
    ("POST", "api/auth/register"): "RegisterUser",
    ("POST", "api/lists"): "CreateList",
    ("PATCH", "api/lists/{}"): "RenameList",
    ("DELETE", "api/lists/{}"): "DeleteList",
    ("POST", "api/lists/{}/members"): "AddMember",
    ("DELETE", "api/lists/{}/members/{}"): "RemoveMember",
    ("POST", "api/lists/{}/todos"): "CreateTodo",
    ("PATCH", "api/todos/{}"): "ChangeTodo",
    ("DELETE", "api/todos/{}"): "DeleteTodo",
}

_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")  # re_path: (?P<id>[^/]+)
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")  # path(): <uuid:id>


def route_template(route: str | None) -> str:
    """``^api/lists/(?P<id>[^/]+)/?$`` or ``api/lists/<uuid:id>`` → ``api/lists/{id}``."""
    if not route:
        return "unmatched"
    text = _REGEX_GROUP.sub(r"{\1}", route)
    text = _CONVERTER.sub(r"{\1}", text)
    text = text.removeprefix("^").removesuffix("$").removesuffix("/?").replace("\\", "")
    return text.rstrip("/") or "/"


def command_for(method: str, template: str) -> str | None:
    return COMMAND_ROUTES.get((method, re.sub(r"\{\w*\}", "{}", template)))


def observe(method: str, template: str, status: int, seconds: float) -> None:
    """Count one answered request (and its command, if it is a write)."""
    REQUESTS.labels(method, template, str(status)).inc()
    LATENCY.labels(method, template).observe(seconds)
    command = command_for(method, template)
    if command is not None:
        outcome = "ok" if status < 400 else "refused" if status < 500 else "failed"
        COMMANDS.labels(command, outcome).inc()
