"""Authentication classes for django-ninja (CONTRACT.md §4).

``auth=[BearerAuth(), SessionAuth(csrf=True)]`` on every user endpoint: a bearer token, else
the Django session (with CSRF on unsafe methods). ``/api/events`` also takes realtime and
service tokens (:class:`RealtimeTokenAuth` first). ``request.auth`` is then a ``User`` or, for
realtime tokens, the token's ``RealtimeClaims``.

Refusals raise :class:`ApplicationError` rather than returning ``None``, so an
``Authorization`` header that is present but bad is a 401 even when a session cookie is
also sent (as before), and a failed CSRF check is ``csrf_failed``, not ninja's plain 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from todo_shared.tokens import RealtimeClaims, TokenError, verify_token

from todo_api.application.errors import ApplicationError
from todo_api.application.rate_limit import check_user_call, is_limited_write
from todo_api.identity.services import user_for_token, user_for_token_writing

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def bearer_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``; a header of another form is a 401."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApplicationError("unauthorized", "use Authorization: Bearer <token>")
    return token.strip()


def _limited(request: HttpRequest, user: User) -> User:
    """The per-user limits on writes and realtime tokens, once the user is known."""
    check_user_call(request.method or "GET", request.path, str(user.pk))
    return user


class BearerAuth(HttpBearer):
    """A user's bearer token (from register or token)."""

    def __call__(self, request: HttpRequest) -> Any:
        token = bearer_token(request)
        return None if token is None else self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        method = request.method or "GET"
        if is_limited_write(method, request.path):
            # One statement on PostgreSQL: the token's user and their hit of the write limit.
            user, counted = user_for_token_writing(token)
        else:
            user, counted = user_for_token(token), False
        if user is None:
            raise ApplicationError("unauthorized", "the bearer token is not valid")
        request.bearer = token  # type: ignore[attr-defined]  # logout revokes it
        return user if counted else _limited(request, user)


class RealtimeTokenAuth(HttpBearer):
    """A realtime or service token (a JWT) for ``/api/events``; other bearers pass through."""

    def __call__(self, request: HttpRequest) -> Any:
        token = bearer_token(request)
        if token is None or token.count(".") != 2:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> RealtimeClaims:
        try:
            return verify_token(settings.SETTINGS.realtime_secret, token)
        except TokenError as exc:
            raise ApplicationError("unauthorized", str(exc)) from None


class SessionAuth(APIKeyCookie):
    """The Django session cookie of the web page; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and request.method not in SAFE_METHODS and check_csrf(request):
            raise ApplicationError("csrf_failed", "CSRF check failed: send the X-CSRFToken header")
        return _limited(request, user)


USER_AUTH = [BearerAuth(), SessionAuth(csrf=True)]
EVENTS_AUTH = [RealtimeTokenAuth(), BearerAuth(), SessionAuth(csrf=True)]
