"""``/api/auth``: register, token, me, logout."""

# No `from __future__ import annotations`: ninja reads these annotations at import time,
# through decorators whose module globals differ.
from typing import Any

from django.contrib.auth import logout as session_logout
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from todo_api.entrypoints.http.auth import USER_AUTH
from todo_api.entrypoints.http.headers import user_of
from todo_api.entrypoints.http.idempotency import idempotent
from todo_api.entrypoints.http.responses import BODY, USER, errors
from todo_api.entrypoints.http.schemas import Credentials, SessionOut, UserOut
from todo_api.identity import services
from todo_api.limits.addresses import client_address

router = Router(tags=["auth"])


def _address(request: HttpRequest) -> str:
    return client_address(request)  # X-Forwarded-For only from TRUSTED_PROXIES


def _session(user: Any, token: str) -> dict[str, str]:
    return {"id": str(user.pk), "username": user.username, "token": token}


@router.post(
    "/register",
    auth=None,
    response={201: SessionOut, **errors(*BODY, 409, 429)},
    operation_id="register",
    summary="Create an account",
)
def register(request: HttpRequest, payload: Credentials) -> Status[dict[str, str]]:
    user, token = services.register(payload.username, payload.password, _address(request))
    return Status(201, _session(user, token))


@router.post(
    "/token",
    auth=None,
    response={200: SessionOut, **errors(*BODY, 401, 429)},
    operation_id="issue_token",
    summary="Sign in: get a bearer token",
)
def token(request: HttpRequest, payload: Credentials) -> dict[str, str]:
    user, key = services.login(payload.username, payload.password, _address(request))
    return _session(user, key)


@router.get(
    "/me",
    auth=USER_AUTH,
    response={200: UserOut, **errors(401)},
    operation_id="me",
    summary="Who am I",
)
def me(request: HttpRequest) -> dict[str, str]:
    user = user_of(request)
    return {"id": str(user.pk), "username": user.username}


@router.post(
    "/logout",
    auth=USER_AUTH,
    response={204: None, **errors(*USER, 409, 422)},
    operation_id="logout",
    summary="Revoke this bearer token (or end the session)",
)
@idempotent
def logout(request: HttpRequest, response: HttpResponse) -> Status[None]:
    bearer = getattr(request, "bearer", None)
    if bearer:
        services.revoke_token(bearer)
    else:
        session_logout(request)
    return Status(204, None)
