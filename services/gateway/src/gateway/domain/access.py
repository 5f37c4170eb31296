"""May this connection read this channel? (CONTRACT.md §3 names, §5 rules.)

A channel is allowed when it is ``public:*``, or listed in a presented token that has not
expired and that no later revocation covers. The decision names the token that allowed it,
because revocation and catch-up need its user and issue position.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from todo_shared.channels import is_valid_channel
from todo_shared.tokens import RealtimeClaims

from gateway.domain.revocations import RevocationTable


@dataclass(frozen=True)
class Allowed:
    """The channel may be read; ``claims`` is ``None`` for a public channel."""

    channel: str
    claims: RealtimeClaims | None


@dataclass(frozen=True)
class Refused:
    """The channel may not be read; ``code`` is one of §5's subscribe error codes."""

    code: str
    message: str


def list_id_of(channel: str) -> str | None:
    """The list id of a ``list:`` channel, else ``None``."""
    kind, _, rest = channel.partition(":")
    return rest if kind == "list" else None


def authorise_channel(
    channel: object,
    tokens: Iterable[RealtimeClaims],
    revocations: RevocationTable,
    now: float,
) -> Allowed | Refused:
    """Decide a subscription to ``channel`` for a connection holding ``tokens``."""
    if not is_valid_channel(channel):
        return Refused("bad_request", "channel must be list:<uuid>, user:<id> or public:<name>")
    assert isinstance(channel, str)
    if channel.startswith("public:"):
        return Allowed(channel, None)
    list_id = list_id_of(channel)
    listing = [claims for claims in tokens if channel in claims.channels and claims.user_id]
    live = [
        claims
        for claims in listing
        if not (
            list_id is not None
            and claims.user_id is not None
            and revocations.is_revoked(claims.user_id, list_id, claims.position)
        )
    ]
    usable = [claims for claims in live if claims.expires_at > now]
    if usable:
        return Allowed(channel, max(usable, key=lambda claims: claims.position))
    if live:
        return Refused("token_expired", "the token that allows this channel has expired")
    return Refused("forbidden", f"no token presented by this connection allows {channel}")
