"""A tiny HTTP client for the API in tests."""

from __future__ import annotations

import uuid
from typing import Any

import requests


class ApiClient:
    """Registers a user on construction and sends authenticated requests."""

    def __init__(
        self, base_url: str, username: str | None = None, password: str = "s3cret-pass!"
    ) -> None:
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.username = username or f"u{uuid.uuid4().hex[:10]}"
        reply = self.session.post(
            f"{self.base}/api/auth/register", json={"username": self.username, "password": password}
        )
        assert reply.status_code == 201, reply.text
        self.id: str = reply.json()["id"]
        self.token: str = reply.json()["token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base}{path}", timeout=30, **kwargs)

    def ok(self, method: str, path: str, status: int | None = None, **kwargs: Any) -> Any:
        reply = self.request(method, path, **kwargs)
        expected = status or (201 if method == "POST" else 204 if method == "DELETE" else 200)
        assert reply.status_code == expected, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None

    def create_list(self, name: str = "Groceries") -> dict[str, Any]:
        return self.ok("POST", "/api/lists", json={"name": name})

    def add_todo(self, list_id: str, title: str) -> dict[str, Any]:
        return self.ok("POST", f"/api/lists/{list_id}/todos", json={"title": title})
