"""The one HTTP client of the API in tests: a registered user sending requests."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

PASSWORD = "s3cret-pass!"


class ApiClient:
    """Registers a user on construction (retrying 429/503) and sends authenticated requests.

    ``request`` is the raw call; ``call`` retries 429/503 and asserts a 2xx; ``ok`` asserts one
    exact status.
    """

    def __init__(
        self, base_url: str, username: str | None = None, password: str = PASSWORD
    ) -> None:
        self.base = self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.username = username or f"u{uuid.uuid4().hex[:10]}"
        self.token = ""
        body = self.call(
            "POST", "/api/auth/register", {"username": self.username, "password": password}
        )
        self.id: str = str(body["id"])
        self.user_id = self.id
        self.token = body["token"]

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        all_headers.update(headers or {})
        return self.session.request(
            method, f"{self.base}{path}", json=json, headers=all_headers, timeout=timeout, **kwargs
        )

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The JSON of a 2xx answer, retrying 429 and 503 for a while."""
        for attempt in range(20):
            resp = self.request(method, path, json=body)
            if resp.status_code not in (429, 503):
                break
            time.sleep(min(2.0, 0.1 * (attempt + 1)))
        assert resp.status_code < 300, f"{method} {path}: {resp.status_code} {resp.text[:300]}"
        return resp.json() if resp.content else None

    def ok(self, method: str, path: str, status: int | None = None, **kwargs: Any) -> Any:
        reply = self.request(method, path, **kwargs)
        expected = status or (201 if method == "POST" else 204 if method == "DELETE" else 200)
        assert reply.status_code == expected, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None

    def create_list(self, name: str = "Groceries") -> dict[str, Any]:
        return self.ok("POST", "/api/lists", json={"name": name})

    def add_todo(self, list_id: str, title: str) -> dict[str, Any]:
        return self.ok("POST", f"/api/lists/{list_id}/todos", json={"title": title})

    def add_member(self, list_id: str, username: str) -> None:
        self.call("POST", f"/api/lists/{list_id}/members", {"username": username})

    def remove_member(self, list_id: str, user_id: str) -> None:
        self.call("DELETE", f"/api/lists/{list_id}/members/{user_id}")

    def realtime_token(self, channels: list[str]) -> str:
        return str(self.call("POST", "/api/realtime/token", {"channels": channels})["token"])
