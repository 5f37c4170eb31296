"""The pure parts of the API's rate limits: configuration and the client-address rule."""

from __future__ import annotations

import pytest
from todo_api.limits.addresses import resolve
from todo_api.limits.config import load_from, parse_proxies
from todo_shared.config import ConfigError


def test_defaults_and_switching_off() -> None:
    config = load_from({})
    assert (config.auth.count, config.auth.window) == (60, 60)
    assert (config.signin_failures.count, config.signin_failures.window) == (10, 900)
    assert (config.writes.count, config.realtime_tokens.count) == (600, 60)
    assert config.trusted_proxies == ()
    assert not load_from({"RATE_LIMIT_WRITES": "0"}).writes.enabled


@pytest.mark.parametrize(
    "raw", ["ten/60", "10", "10/0", "10/-1", "/60", "10/100000", "-1/60", "1.5/60"]
)
def test_a_wrong_limit_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="RATE_LIMIT_AUTH"):
        load_from({"RATE_LIMIT_AUTH": raw})


def test_a_wrong_proxy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_from({"TRUSTED_PROXIES": "10.0.0.0/8, nginx"})


PROXIES = parse_proxies("10.0.0.0/8, 127.0.0.1, ::1")


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert resolve("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"
    assert resolve("10.0.0.2", "1.2.3.4", ()) == "10.0.0.2"


def test_an_untrusted_peer_cannot_name_another_address() -> None:
    assert resolve("203.0.113.9", "1.2.3.4", PROXIES) == "203.0.113.9"


def test_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    assert resolve("10.0.0.2", "198.51.100.4", PROXIES) == "198.51.100.4"
    # a forged prefix stays left of what our proxies appended
    assert resolve("10.0.0.2", "6.6.6.6, 198.51.100.4, 10.1.1.1", PROXIES) == "198.51.100.4"


def test_all_hops_trusted_gives_the_left_most() -> None:
    assert resolve("127.0.0.1", "10.0.0.5, 10.0.0.6", PROXIES) == "10.0.0.5"


def test_malformed_hops_stop_the_walk() -> None:
    assert resolve("10.0.0.2", "198.51.100.4, garbage", PROXIES) == "10.0.0.2"
    assert resolve("10.0.0.2", "", PROXIES) == "10.0.0.2"
    assert resolve("10.0.0.2", " , ,", PROXIES) == "10.0.0.2"


def test_ports_brackets_and_mapped_addresses() -> None:
    assert resolve("10.0.0.2", "198.51.100.4:5555", PROXIES) == "198.51.100.4"
    assert resolve("::1", "[2001:db8::1]:443", PROXIES) == "2001:db8::1"
    assert resolve("::ffff:127.0.0.1", "198.51.100.4", PROXIES) == "198.51.100.4"
    assert resolve("", "1.2.3.4", PROXIES) == "unknown"
