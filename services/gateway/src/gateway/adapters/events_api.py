"""``GET /api/events`` (CONTRACT.md §4), read with the gateway's own service token.

Used for catch-up (``subscribe`` with ``since``) and for filling gaps after broker loss.
The gateway authorises the channel itself before asking, so the service token (which reads
any channel) is the one credential it needs.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from todo_shared.tokens import SERVICE_TOKEN_TTL, issue_service_token

log = logging.getLogger(__name__)


class EventsUnavailable(Exception):
    """The API did not answer with a page of events."""


@dataclass(frozen=True)
class EventsPage:
    """One answer: events with ``position > after`` and the highest position examined."""

    events: list[dict[str, Any]]
    last_position: int


class EventsApi:
    """A small client of the catch-up endpoint."""

    def __init__(self, api_url: str, secret: str, timeout: float = 10.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self._token = ""
        self._token_renew_at = 0.0

    def _service_token(self) -> str:
        now = time.monotonic()
        if now >= self._token_renew_at:
            self._token = issue_service_token(self.secret, "gateway")
            self._token_renew_at = now + SERVICE_TOKEN_TTL / 2
        return self._token

    def fetch(self, after: int, channel: str | None = None, limit: int = 1000) -> EventsPage:
        """One page of store events after ``after`` (of ``channel``, or of all channels)."""
        query: dict[str, str | int] = {"after": after, "limit": limit}
        if channel is not None:
            query["channel"] = channel
        url = f"{self.api_url}/api/events?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(  # noqa: S310 - API_URL is checked to be http(s)
            url, headers={"Authorization": f"Bearer {self._service_token()}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise EventsUnavailable(f"GET /api/events answered {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise EventsUnavailable(f"GET /api/events failed: {exc!r}") from None
        return _page_from(body, after)

    def pages(
        self, after: int, channel: str | None = None, limit: int = 1000
    ) -> Iterator[EventsPage]:
        """Pages from ``after`` until the API has nothing newer; each moves forward."""
        while True:
            page = self.fetch(after, channel, limit)
            yield page
            if page.last_position <= after:
                return
            after = page.last_position


def _page_from(body: object, after: int) -> EventsPage:
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise EventsUnavailable("GET /api/events answered an unexpected shape")
    events = [
        e
        for e in body["events"]
        if isinstance(e, dict)
        and isinstance(e.get("position"), int)
        and e["position"] > after
        and isinstance(e.get("channels"), list)
        and isinstance(e.get("id"), str)
    ]
    events.sort(key=lambda e: e["position"])
    last = body.get("last_position")
    if not isinstance(last, int):
        last = events[-1]["position"] if events else after
    return EventsPage(events, max(last, events[-1]["position"] if events else after))
