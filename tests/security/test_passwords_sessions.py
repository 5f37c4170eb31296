"""Passwords and sessions: Django's validators on both sign-up paths, CSRF on every
session-authenticated write, a new session key at sign-in, and logout that ends things."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.support.api import ApiClient
from tests.support.stack import Stack

pytestmark = pytest.mark.integration
PASSWORD = "s3cret-pass!"


@pytest.fixture(scope="module")
def api(module_stack: Stack) -> str:
    module_stack.start("api", env={"RATE_LIMIT_AUTH": "0", "RATE_LIMIT_WRITES": "0"})
    module_stack.start("relay")
    return module_stack.url("api")


WEAK = {
    "short": "ab1!",
    "common": "password123",
    "numeric": "4815162342108",
    "like the username": "{username}-x",
}


@pytest.mark.parametrize("kind", list(WEAK))
def test_register_applies_the_password_validators(api: str, kind: str) -> None:
    username = f"weak{uuid.uuid4().hex[:8]}"
    password = WEAK[kind].format(username=username)
    reply = requests.post(
        f"{api}/api/auth/register", json={"username": username, "password": password}, timeout=30
    )
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "invalid_input" and error["fields"]["password"], error
    # the web form says the same and creates nothing
    web = requests.Session()
    page = web.get(f"{api}/signup", timeout=30)
    form = web.post(
        f"{api}/signup",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_of(page.text),
        },
        timeout=30,
        allow_redirects=False,
    )
    assert form.status_code == 400 and "password" in form.text.lower(), form.status_code
    signin = requests.post(
        f"{api}/api/auth/token", json={"username": username, "password": password}, timeout=30
    )
    assert signin.status_code == 401


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def web_sign_in(api: str, user: ApiClient, web: requests.Session | None = None) -> requests.Session:
    web = web or requests.Session()
    page = web.get(f"{api}/login", timeout=30)
    reply = web.post(
        f"{api}/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_of(page.text),
        },
        timeout=30,
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text[:300]
    return web


def me(api: str, cookies: dict[str, str]) -> int:
    return requests.get(f"{api}/api/auth/me", cookies=cookies, timeout=30).status_code


def test_sign_in_rotates_the_session_key(api: str) -> None:
    user = ApiClient(api)
    planted = "attackerchosen0123456789abcdefgh"
    web = requests.Session()
    page = web.get(f"{api}/login", timeout=30)
    reply = web.post(  # a session id planted by an attacker rides along with the sign-in
        f"{api}/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_of(page.text),
        },
        cookies={"sessionid": planted},
        timeout=30,
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.text[:300]
    first = web.cookies.get("sessionid")
    assert first and first != planted
    assert me(api, {"sessionid": first}) == 200
    # Someone else signing in on this browser gets another key; the old one is dead.
    # (Django keeps the key when the *same* user signs in again: nothing to fixate there.)
    web_sign_in(api, ApiClient(api), web)
    second = web.cookies.get("sessionid")
    assert second and second != first
    assert me(api, {"sessionid": first}) == 401
    assert me(api, {"sessionid": second}) == 200


def unsafe_operations(api: str) -> list[tuple[str, str]]:
    document = requests.get(f"{api}/api/openapi.json", timeout=30).json()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"} and operations[method].get("security") != []
    ]


def test_every_session_authenticated_write_needs_the_csrf_token(api: str) -> None:
    user = ApiClient(api)
    owned = user.create_list("csrf")
    todo = user.add_todo(owned["id"], "csrf todo")
    web = web_sign_in(api, user)
    token = web.cookies["csrftoken"]
    operations = unsafe_operations(api)
    assert len(operations) >= 9, operations
    for method, template in operations:
        path = template.format(
            id=todo["id"] if "/todos/" in template[:12] else owned["id"], user_id=user.id
        )
        url = f"{api}{path}"
        body = {
            "name": "n",
            "title": "t",
            "username": user.username,
            "channels": [f"user:{user.id}"],
        }
        refused = web.request(method, url, json=body, timeout=30)
        assert refused.status_code == 403, (method, template, refused.text)
        assert refused.json()["error"]["code"] == "csrf_failed", refused.text
        accepted = web.request(method, url, json=body, headers={"X-CSRFToken": token}, timeout=30)
        code = accepted.json()["error"]["code"] if accepted.status_code >= 400 else None
        assert code != "csrf_failed", (method, template, accepted.text)
        if template == "/api/auth/logout":  # it worked: sign in again for the rest
            web = web_sign_in(api, user)
            token = web.cookies["csrftoken"]


def test_logout_ends_the_session_and_the_bearer_token(api: str) -> None:
    user = ApiClient(api)
    web = web_sign_in(api, user)
    session = web.cookies["sessionid"]
    assert me(api, {"sessionid": session}) == 200
    page = web.get(f"{api}/", timeout=30)
    reply = web.post(f"{api}/logout", data={"csrfmiddlewaretoken": csrf_of(page.text)}, timeout=30,
                     allow_redirects=False)  # fmt: skip
    assert reply.status_code == 302
    assert me(api, {"sessionid": session}) == 401
    # through the API too, with the session and its CSRF token
    web = web_sign_in(api, user)
    session = web.cookies["sessionid"]
    reply = web.post(
        f"{api}/api/auth/logout", headers={"X-CSRFToken": web.cookies["csrftoken"]}, timeout=30
    )
    assert reply.status_code == 204, reply.text
    assert me(api, {"sessionid": session}) == 401
    # and the bearer token
    assert user.request("POST", "/api/auth/logout").status_code == 204
    assert user.request("GET", "/api/auth/me").status_code == 401
    assert user.request("GET", "/api/lists").status_code == 401
