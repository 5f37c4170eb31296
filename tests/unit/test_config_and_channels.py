"""Configuration defaults (CONTRACT.md §2), channel rules (§3), realtime tokens (§4-5)."""

import time

import jwt
import pytest
from todo_shared.amqp import Backoff, Topology
from todo_shared.channels import channels_for, is_valid_channel
from todo_shared.config import REPO_ROOT, ConfigError, database_config, load_settings
from todo_shared.tokens import TokenError, issue_service_token, issue_token, verify_token

SECRET = "s" * 40


def test_defaults_follow_the_contract():
    settings = load_settings({})
    assert settings.database_url == "sqlite:///var/todo.sqlite3"
    assert settings.amqp_url == "amqp://guest:guest@localhost:5672/%2F"
    assert settings.events_exchange == "todo.events"
    topology = Topology(settings.events_exchange, settings.projector_queue)
    assert (topology.dead_letter_exchange, topology.dead_letter_queue) == (
        "todo.events.dlx",
        "todo.events.dead",
    )
    assert settings.projector_queue == "projector.read-models"
    assert settings.api_url == "http://localhost:8000"
    assert settings.realtime_token_ttl == 600
    assert settings.debug is True
    assert settings.allowed_hosts == ("localhost", "127.0.0.1")
    assert (
        settings.api_port,
        settings.projector_port,
        settings.relay_port,
        settings.gateway_port,
    ) == (
        8000,
        8001,
        8002,
        9000,
    )
    assert len(settings.warnings) == 2  # both secrets fall back to development values
    assert database_config(settings.database_url)["NAME"] == str(REPO_ROOT / "var" / "todo.sqlite3")


def test_production_refuses_development_secrets():
    with pytest.raises(ConfigError, match="REALTIME_SECRET is required"):
        load_settings({"DEBUG": "0", "SECRET_KEY": SECRET})
    with pytest.raises(ConfigError, match="at least 32"):
        load_settings({"DEBUG": "0", "SECRET_KEY": SECRET, "REALTIME_SECRET": "short"})
    assert (
        load_settings({"DEBUG": "0", "SECRET_KEY": SECRET, "REALTIME_SECRET": SECRET}).warnings
        == ()
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"API_PORT": "x"}, "API_PORT must be an integer"),
        ({"GATEWAY_PORT": "70000"}, "between"),
        ({"DATABASE_URL": "mysql://x/y"}, "sqlite:// or postgres://"),
        ({"AMQP_URL": "http://x"}, "AMQP_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
    ],
)
def test_wrong_values_give_one_line_reasons(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_postgres_url_becomes_django_settings():
    config = database_config("postgres://bob:pw@db.local:6543/todo")
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "todo",
        "bob",
        "pw",
        "db.local",
        "6543",
    )


def test_channel_names():
    assert is_valid_channel("list:3f1c9e0a-6f2d-4a55-9d47-0c1b5b1f8a11")
    assert is_valid_channel("user:42") and is_valid_channel("public:news.v2_x-y")
    for bad in (
        "list:3F1C9E0A-6F2D-4A55-9D47-0C1B5B1F8A11",
        "public:",
        "public:" + "a" * 65,
        "user:",
        5,
    ):
        assert not is_valid_channel(bad)


def test_channels_for_each_type():
    lid = "3f1c9e0a-6f2d-4a55-9d47-0c1b5b1f8a11"
    assert channels_for("ListCreated", {"list_id": lid, "owner_id": "1"}) == [
        f"list:{lid}",
        "user:1",
    ]
    assert channels_for("ListDeleted", {"list_id": lid, "member_ids": ["1", "2"]}) == [
        f"list:{lid}",
        "user:1",
        "user:2",
    ]
    assert channels_for("MemberRemoved", {"list_id": lid, "user_id": "5"}) == [
        f"list:{lid}",
        "user:5",
    ]
    assert channels_for("TodoCompleted", {"list_id": lid, "todo_id": "t"}) == [f"list:{lid}"]


def test_tokens_verify_and_expire():
    token, expires = issue_token(SECRET, user_id="7", channels=["user:7"], position=99, ttl=60)
    claims = verify_token(SECRET, token)
    assert (claims.user_id, claims.channels, claims.position) == ("7", ("user:7",), 99)
    assert expires - time.time() > 50
    with pytest.raises(TokenError) as caught:
        verify_token("k" * 40, token)
    assert caught.value.code == "invalid_token"
    expired = jwt.encode(
        {"iss": "realtime-todo", "aud": "realtime", "sub": "7", "iat": 1, "exp": 2}, SECRET, "HS256"
    )
    with pytest.raises(TokenError) as caught:
        verify_token(SECRET, expired)
    assert caught.value.code == "token_expired"
    assert verify_token(SECRET, issue_service_token(SECRET, "gateway")).is_service


def test_backoff_is_capped_and_resets():
    backoff = Backoff(initial=0.1, cap=1.0)
    delays = [backoff.next_delay() for _ in range(10)]
    assert all(0.05 <= d <= 1.0 for d in delays)
    assert max(delays[-3:]) >= 0.5
    backoff.reset()
    assert backoff.next_delay() <= 0.1


def test_log_level_comes_from_log_level_and_a_wrong_one_is_refused(monkeypatch) -> None:
    import logging

    import pytest
    from todo_shared.logs import configure_logging

    root = logging.getLogger()
    saved = (root.level, root.handlers[:])
    try:
        monkeypatch.setenv("LOG_LEVEL", "warning")
        configure_logging("test")
        assert root.level == logging.WARNING
        monkeypatch.setenv("LOG_LEVEL", "loud")
        with pytest.raises(ValueError, match="LOG_LEVEL"):
            configure_logging("test")
        monkeypatch.delenv("LOG_LEVEL")
        configure_logging("test")
        assert root.level == logging.INFO
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
