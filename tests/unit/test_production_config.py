"""DATABASE_URL's query options, the HTTPS settings' defaults, the request-id log filter,
the API's route labels and the gateway's split drop counters (issue 15)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from todo_shared.config import ConfigError, database_config, load_settings
from todo_shared.logs import JsonFormatter, RequestIdFilter, bind_request_id

SECRETS = {"SECRET_KEY": "k" * 50, "REALTIME_SECRET": "r" * 40}


def test_postgres_query_options_reach_the_driver() -> None:
    config = database_config(
        "postgres://u:p%40ss@db.example:6543/todo?sslmode=require&connect_timeout=7"
        "&application_name=todo-api&conn_max_age=0&conn_health_checks=false"
    )
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "connect_timeout": 7,
        "application_name": "todo-api",
    }
    assert config["CONN_MAX_AGE"] == 0 and config["CONN_HEALTH_CHECKS"] is False
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert config["NAME"] == "todo"


def test_without_a_query_the_defaults_stay() -> None:
    config = database_config("postgres://u@localhost/todo")
    assert "OPTIONS" not in config
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is True


def test_sqlite_keeps_its_path_and_takes_options() -> None:
    config = database_config("sqlite:////srv/todo/x.sqlite3?timeout=5")
    assert config["NAME"] == "/srv/todo/x.sqlite3"
    assert config["OPTIONS"] == {"transaction_mode": "IMMEDIATE", "timeout": 5}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgres://u@h/db?sslmode=required", "sslmode must be one of"),
        ("postgres://u@h/db?conn_max_age=soon", "conn_max_age must be seconds"),
    ],
)
def test_bad_options_are_a_clear_error(url: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        database_config(url)


def test_https_settings_follow_debug_and_the_environment() -> None:
    dev = load_settings({}).security
    assert not (dev.cookies_secure or dev.ssl_redirect or dev.proxy_ssl_header)
    assert dev.hsts_seconds == 0
    prod = load_settings({"DEBUG": "0", **SECRETS}).security
    assert prod.cookies_secure and prod.hsts_seconds == 31536000
    assert prod.hsts_include_subdomains and prod.hsts_preload
    assert not prod.ssl_redirect and not prod.proxy_ssl_header  # the operator's to say
    tuned = load_settings(
        {
            "DEBUG": "0",
            **SECRETS,
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_PROXY_SSL_HEADER": "1",
            "SECURE_HSTS_SECONDS": "3600",
            "SECURE_COOKIES": "0",
        }
    ).security
    assert tuned.ssl_redirect and tuned.proxy_ssl_header and not tuned.cookies_secure
    assert tuned.hsts_seconds == 3600
    with pytest.raises(ConfigError, match="SECURE_HSTS_SECONDS"):
        load_settings({"SECURE_HSTS_SECONDS": "a year"})


def test_every_line_logged_inside_a_request_carries_its_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("api"))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("test.request_id")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("before")
        with bind_request_id("req-1"):
            logger.warning("inside")
            logger.warning("explicit", extra={"request_id": "other"})
        logger.warning("after")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line.get("request_id") for line in lines] == [None, "req-1", "other", None]


def test_route_labels_are_templates_never_raw_paths() -> None:
    from todo_api.observability.metrics import command_for, route_template

    assert route_template(r"^api/lists/(?P<id>[^/]+)/todos/?$") == "api/lists/{id}/todos"
    assert route_template("api/todos/<uuid:todo_id>") == "api/todos/{todo_id}"
    assert route_template(None) == "unmatched"
    assert command_for("POST", "api/lists/{id}/todos") == "CreateTodo"
    assert command_for("PATCH", "api/todos/{todo_id}") == "ChangeTodo"
    assert command_for("GET", "api/lists/{id}") is None


def test_gateway_counts_dropped_clients_apart_from_dropped_events() -> None:
    from gateway import metrics
    from prometheus_client import REGISTRY

    def counts() -> tuple[float, float]:
        get = REGISTRY.get_sample_value
        clients = get("gateway_dropped_clients_total", {"reason": "slow_consumer"}) or 0.0
        events = get("gateway_dropped_events_total", {"reason": "duplicate"}) or 0.0
        return clients, events

    before = counts()
    metrics.DROPS.labels("slow_consumer").inc()
    metrics.DROPS.labels("duplicate").inc()
    metrics.DROPS.labels("duplicate").inc()
    assert counts() == (before[0] + 1, before[1] + 2)
