"""Realtime tokens (HS256 JWT) signed by the API and verified by the gateway (CONTRACT.md §4-5).

A user token names the user, the channels the API checked, and the store position at issue
time (used for revocation). A service token (the gateway's) reads any channel of the
catch-up endpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
ISSUER = "realtime-todo"
AUDIENCE = "realtime"
SERVICE_TOKEN_TTL = 300


class TokenError(Exception):
    """A token that cannot be used. ``code`` is ``invalid_token`` or ``token_expired``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RealtimeClaims:
    """What a verified token says."""

    subject: str  # a user id, or "service:<name>"
    channels: tuple[str, ...]
    position: int
    expires_at: int
    username: str | None = None  # the user's name at issue time (presence shows it)

    @property
    def is_service(self) -> bool:
        return self.subject.startswith("service:")

    @property
    def user_id(self) -> str | None:
        return None if self.is_service else self.subject


def issue_token(
    secret: str,
    *,
    user_id: str,
    channels: list[str],
    position: int,
    ttl: int,
    username: str | None = None,
) -> tuple[str, int]:
    """Sign a user's realtime token; returns ``(token, expires_at_epoch_seconds)``."""
    now = int(time.time())
    expires = now + ttl
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "ch": channels,
        "pos": position,
        "iat": now,
        "exp": expires,
    }
    if username is not None:
        claims["name"] = username
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def issue_service_token(secret: str, name: str, ttl: int = SERVICE_TOKEN_TTL) -> str:
    """Sign a token for a trusted service (the gateway) that may read every channel."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": f"service:{name}",
        "ch": [],
        "pos": 0,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: object) -> RealtimeClaims:
    """Check signature, audience, issuer and expiry. Raises :class:`TokenError`."""
    if not isinstance(token, str) or not token or len(token) > 8192:
        raise TokenError("invalid_token", "the token is missing or malformed")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iat"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token_expired", "the token has expired") from None
    except jwt.PyJWTError as exc:
        raise TokenError("invalid_token", f"the token is not valid: {exc}") from None
    channels = claims.get("ch", [])
    position = claims.get("pos", 0)
    subject = claims.get("sub")
    username = claims.get("name")
    if (
        not isinstance(channels, list)
        or not all(isinstance(c, str) for c in channels)
        or not isinstance(position, int)
        or not isinstance(subject, str)
        or not (username is None or isinstance(username, str))
    ):
        raise TokenError("invalid_token", "the token's claims are malformed")
    return RealtimeClaims(subject, tuple(channels), position, int(claims["exp"]), username)
