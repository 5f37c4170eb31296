"""What the gateway's use cases need from outside, as Protocols.

:class:`gateway.adapters.socket_rooms.SocketRooms` (python-socketio) and
:class:`gateway.adapters.events_api.EventsApi` (the API's ``GET /api/events``) implement
them; unit tests pass in-memory ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from gateway.adapters.events_api import EventsPage


class Rooms(Protocol):
    """Rooms named after channels, and what the fan-out sends through them."""

    def deliver(self, envelope: Mapping[str, Any], rooms: list[str], skip: Iterable[str]) -> None:
        """Send ``envelope`` once to every connection in any of ``rooms`` except ``skip``."""
        ...

    def burst(self) -> AbstractContextManager[None]:
        """Deliveries inside go out at its end, several events per client in one write."""
        ...

    def flush(self) -> None:
        """Send what an open burst collected so far (before anything that may yield)."""
        ...

    def deliver_to(self, sid: str, envelope: Mapping[str, Any]) -> None: ...
    def notify(self, sid: str, event: str, data: Mapping[str, Any]) -> None: ...
    def join(self, sid: str, channel: str) -> None: ...
    def leave(self, sid: str, channel: str) -> None: ...
    def wait_for_room(self, sid: str, limit: int, timeout: float) -> bool:
        """Wait until ``sid``'s backlog is at most ``limit``; False if it stayed above."""
        ...


class EventsSource(Protocol):
    """Store events after a position, page by page (the catch-up and gap-fill source)."""

    def pages(
        self, after: int, channel: str | None = None, limit: int = 1000
    ) -> Iterator[EventsPage]: ...
