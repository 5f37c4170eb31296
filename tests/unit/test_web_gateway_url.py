"""Where the page looks for the gateway (``todo_api.web.gateway_url``)."""

from __future__ import annotations

import pytest
from todo_api.web.gateway_url import public_gateway_url


@pytest.mark.parametrize(
    ("scheme", "host", "override", "expected"),
    [
        ("http", "localhost:8000", "", "http://localhost:9000"),
        ("http", "127.0.0.1:51234", "", "http://127.0.0.1:9000"),
        ("https", "todo.example.com", "", "https://todo.example.com:9000"),
        ("http", "[::1]:8000", "", "http://[::1]:9000"),
        ("http", "localhost:8080", "/", "//localhost:8080"),
        ("https", "todo.example.com", "/", "//todo.example.com"),
        ("http", "localhost:8000", "https://rt.example.com/", "https://rt.example.com"),
    ],
)
def test_gateway_url(scheme, host, override, expected):
    assert public_gateway_url(scheme, host, 9000, override) == expected
