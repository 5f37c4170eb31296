"""Connection lifecycle: authentication at connect, slow consumers, and shutdown.

Server-initiated closes happen at the transport level (engine.io), after a ``disconnecting``
notice ``{code, message}``: the official clients then reconnect by themselves and resume
with ``since`` — a Socket.IO-level ``disconnect`` would tell them not to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from socketio.exceptions import ConnectionRefusedError as SocketRefused
from todo_shared.rate_limit import TokenBucket
from todo_shared.tokens import RealtimeClaims, TokenError, verify_token

from gateway import metrics
from gateway.adapters.socket_rooms import SocketRooms
from gateway.application.sessions import Session, SessionRegistry
from gateway.domain.connection_caps import UserConnectionCaps
from gateway.options import GatewayOptions

log = logging.getLogger(__name__)


class Connections:
    """Opens and closes sessions; watches backlogs for slow consumers."""

    def __init__(
        self,
        registry: SessionRegistry,
        rooms: SocketRooms,
        options: GatewayOptions,
        secret: str,
        sleep: Callable[[float], None],
    ) -> None:
        self.registry = registry
        self.rooms = rooms
        self.options = options
        self.secret = secret
        self.sleep = sleep
        self.accepting = True
        self.caps = UserConnectionCaps(options.max_connections_per_user)

    def connect(self, sid: str, auth: Any) -> None:
        """Accept anonymously (no token) or with a valid realtime token; else refuse (§5)."""
        if not self.accepting:
            raise SocketRefused("unavailable", {"code": "unavailable"})
        token = auth.get("token") if isinstance(auth, dict) else None
        tokens: list[RealtimeClaims] = []
        if token is not None or (auth is not None and not isinstance(auth, dict)):
            try:
                claims = verify_token(self.secret, token)
            except TokenError as exc:
                metrics.CONNECT_REFUSED.labels(exc.code).inc()
                raise SocketRefused("invalid_token", {"code": "invalid_token"}) from None
            if claims.is_service:
                metrics.CONNECT_REFUSED.labels("invalid_token").inc()
                raise SocketRefused("invalid_token", {"code": "invalid_token"})
            tokens.append(claims)
        if not self.caps.admit(sid, tokens[0].user_id if tokens else None):  # abuse cap
            metrics.CONNECT_REFUSED.labels("too_many_connections").inc()
            raise SocketRefused("too_many_connections", {"code": "too_many_connections"})
        bucket = TokenBucket(self.options.subscribe_burst, self.options.subscribe_rate)
        self.registry.open(Session(sid, tokens, bucket))
        self.rooms.cap_polls(sid)
        metrics.CONNECTIONS.inc()

    def disconnect(self, sid: str, reason: str | None = None) -> None:
        self.caps.release(sid)
        session = self.registry.close(sid)
        if session is not None:
            metrics.CONNECTIONS.dec()
            metrics.SUBSCRIPTIONS.set(self.registry.subscription_count())

    # -- closing from the server side ---------------------------------------------------------

    def drop(self, sid: str, code: str, message: str) -> None:
        """Tell ``sid`` why and close its transport; its subscriptions end at once."""
        self.disconnect(sid, code)
        self.rooms.notify(sid, "disconnecting", {"code": code, "message": message})
        self.rooms.close_transport(sid)

    def cut_off(self, channels: Iterable[str]) -> None:
        """Close every connection in ``channels`` (joined or catching up) without a notice.

        Used when an event could not be handed to all of them: each client reconnects and
        resumes with ``since``, which brings it whatever it missed.
        """
        sids: set[str] = set()
        for channel in channels:
            sids.update(self.registry.members.get(channel, ()))
            sids.update(self.registry.catching_up(channel))
        for sid in sids:
            self.cut(sid, "undelivered")
        if sids:
            log.warning("connections closed to resume", extra={"count": len(sids)})

    def cut(self, sid: str, reason: str) -> None:
        """Close ``sid``'s transport at once (no notice); its client resumes with ``since``."""
        metrics.DROPS.labels(reason).inc()
        self.disconnect(sid, reason)
        self.rooms.close_transport(sid)

    def drop_slow(self, sid: str) -> None:
        """Disconnect a client whose backlog passed the bound (reason ``slow_consumer``)."""
        if sid not in self.registry.sessions:
            return
        discarded = self.rooms.discard_backlog(sid)
        metrics.DROPS.labels("slow_consumer").inc()
        log.warning("slow consumer disconnected", extra={"sid": sid, "discarded": discarded})
        self.drop(sid, "slow_consumer", "too far behind; reconnect and subscribe with since")

    def watch_backlogs(self, interval: float = 0.2) -> None:
        """Background task: disconnect clients whose queue exceeds the configured bound."""
        limit = self.options.client_queue_limit
        while self.accepting:
            for sid in self.rooms.backlogged(limit):  # one pass over the queues, no lookups
                self.drop_slow(sid)
            self.sleep(interval)

    def shut_down(self, grace: float) -> None:
        """Refuse new sessions, ask every client to reconnect elsewhere, wait for them to go."""
        self.accepting = False
        sids = list(self.registry.sessions)
        for sid in sids:
            self.drop(sid, "server_shutdown", "this gateway is stopping; reconnect")
        deadline = time.monotonic() + grace
        while self.rooms.transports_open() and time.monotonic() < deadline:
            self.sleep(0.1)
        log.info("clients told to reconnect", extra={"clients": len(sids)})
