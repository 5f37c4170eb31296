"""Wiring of one gateway process, independent of the async mode.

:func:`build_gateway` creates every part and connects nothing; :meth:`Gateway.start`
starts the background tasks (broker feed, backlog watch, revocation pruning) through the
Socket.IO server, so they run in whatever async mode the entry point chose.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import socketio
from todo_shared.amqp import Topology
from todo_shared.config import Settings
from todo_shared.observability import WSGIApp, health_app

from gateway.adapters import engine_sockets
from gateway.adapters.events_api import EventsApi
from gateway.adapters.packet_guard import GuardedServer, library_logger
from gateway.adapters.presence_feed import PresenceFeed
from gateway.adapters.socket_rooms import SocketRooms
from gateway.application.connections import Connections
from gateway.application.fanout import Fanout
from gateway.application.ports import EventsSource
from gateway.application.presence import PresenceService
from gateway.application.sessions import SessionRegistry
from gateway.application.subscriptions import Subscriptions
from gateway.domain.ordering import StreamCursor
from gateway.domain.revocations import RevocationTable
from gateway.entrypoints.broker_feed import BrokerFeed, GapFiller
from gateway.entrypoints.origins import origin_checker
from gateway.entrypoints.socketio_handlers import register_handlers
from gateway.options import GatewayOptions

log = logging.getLogger(__name__)

MAX_CLIENT_PACKET = 64 * 1024


@dataclass
class Gateway:
    """The parts of a running gateway that the entry point needs to drive."""

    sio: socketio.Server
    wsgi: WSGIApp
    feed: BrokerFeed
    connections: Connections
    revocations: RevocationTable
    cursor: StreamCursor
    options: GatewayOptions
    presence: PresenceService | None  # None with GATEWAY_PRESENCE_ENABLED=0
    presence_feed: PresenceFeed | None
    shutting_down: bool = False

    def start(self) -> None:
        """Start the background tasks (call once, after the async mode is ready)."""
        self.sio.start_background_task(self.feed.run)
        if self.presence is not None and self.presence_feed is not None:
            self.sio.start_background_task(self.presence.run_ticker, self.sio.sleep)
            self.sio.start_background_task(self.presence_feed.run)
        self.sio.start_background_task(self.connections.watch_backlogs)
        self.sio.start_background_task(self._prune_revocations)

    def _prune_revocations(self) -> None:
        while not self.shutting_down:
            self.sio.sleep(60)
            self.revocations.prune()

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Healthy once the broker was reached and while not shutting down."""
        details = {
            "broker": "connected" if self.feed.connected else "disconnected",
            "position": self.cursor.position,
            "connections": len(self.connections.registry.sessions),
        }
        return self.feed.ever_connected and not self.shutting_down, details

    def shut_down(self) -> None:
        """Tell clients to reconnect, stop consuming; the caller stops the web server."""
        self.shutting_down = True
        self.connections.shut_down(self.options.shutdown_grace)
        self.feed.stop()
        if self.presence is not None and self.presence_feed is not None:
            self.presence_feed.stop()  # says bye: the others drop our users at once
            self.presence.stopping = True
        deadline = time.monotonic() + 3.0
        while self._feeds_running() and time.monotonic() < deadline:
            self.sio.sleep(0.1)

    def _feeds_running(self) -> bool:
        return self.feed.running or (self.presence_feed is not None and self.presence_feed.running)


def build_presence(
    settings: Settings,
    options: GatewayOptions,
    rooms: SocketRooms,
    registry: SessionRegistry,
    sleep: Callable[[float], None],
) -> tuple[PresenceService | None, PresenceFeed | None]:
    """Presence (CONTRACT.md §6) follows the registry; its feed has a connection of its own.

    With ``GATEWAY_PRESENCE_ENABLED=0`` there is neither: nothing watches the registry, no
    ticker, no presence connection, no ``presence`` events.
    """
    if not options.presence_enabled:
        log.info("presence is off (GATEWAY_PRESENCE_ENABLED=0)")
        return None, None
    presence_id = f"gateway@{socket.gethostname()}:{os.getpid()}/{uuid.uuid4().hex[:8]}"
    presence = PresenceService(rooms, presence_id, options.presence_interval)
    registry.watchers.append(presence)
    feed = PresenceFeed(
        amqp_url=settings.amqp_url,
        events_exchange=settings.events_exchange,
        presence=presence,
        sleep=sleep,
        name=f"{presence_id}/presence",
    )
    return presence, feed


def build_gateway(
    settings: Settings,
    options: GatewayOptions,
    async_mode: str,
    api: EventsSource | None = None,
) -> Gateway:
    """Create the Socket.IO server and everything behind it; nothing connects yet.

    ``api`` (where missed events come from) defaults to the API at ``API_URL``.
    """
    sio = GuardedServer(  # drops malformed packets (security: found by the fuzz suite)
        async_mode=async_mode,
        cors_allowed_origins=origin_checker(settings.cors_allowed_origins),
        max_http_buffer_size=MAX_CLIENT_PACKET,
        logger=library_logger("socketio.server"),
        engineio_logger=library_logger("engineio.server"),
    )
    engine_sockets.install(sio.eio)  # direct WebSocket writes (the fan-out's fast path)
    rooms = SocketRooms(sio)
    registry = SessionRegistry()
    cursor = StreamCursor()
    revocations = RevocationTable(keep_seconds=settings.realtime_token_ttl + 60)
    if api is None:
        api = EventsApi(settings.api_url, settings.realtime_secret)
    connections = Connections(registry, rooms, options, settings.realtime_secret, sio.sleep)
    fanout = Fanout(
        rooms,
        registry,
        cursor,
        revocations,
        options.client_queue_limit,
        connections.drop_slow,
        on_undelivered=connections.cut_off,
    )
    subscriptions = Subscriptions(
        registry=registry,
        rooms=rooms,
        fanout=fanout,
        api=api,
        cursor=cursor,
        revocations=revocations,
        options=options,
        secret=settings.realtime_secret,
        on_slow=connections.drop_slow,
    )
    register_handlers(sio, connections, subscriptions)
    presence, presence_feed = build_presence(settings, options, rooms, registry, sio.sleep)
    feed = BrokerFeed(
        amqp_url=settings.amqp_url,
        topology=Topology(settings.events_exchange, settings.projector_queue),
        fanout=fanout,
        filler=GapFiller(api, fanout, cursor, options.catch_up_page),
        sleep=sio.sleep,
        name=f"gateway@{socket.gethostname()}:{os.getpid()}",
    )
    gateway = Gateway(
        sio=sio,
        wsgi=socketio.WSGIApp(sio),  # replaced below, once health() exists
        feed=feed,
        connections=connections,
        revocations=revocations,
        cursor=cursor,
        options=options,
        presence=presence,
        presence_feed=presence_feed,
    )
    gateway.wsgi = socketio.WSGIApp(sio, health_app(gateway.health))
    return gateway
