"""The contract rules the HTTP edge handles itself (docs/api.md "Where the contract's rules
live"): trailing slashes, HEAD, 405, If-Match forms, write positions of no-op writes,
idempotent replays, bearer-versus-session precedence and CSRF."""

import re

import pytest
import requests

from tests.integration.conftest import store_count
from tests.support.api import ApiClient


@pytest.fixture(scope="module")
def world(databases):
    stack = databases.new_stack()
    stack.start("api")
    yield stack, ApiClient(stack.url("api"))
    stack.teardown()


def test_a_trailing_slash_works_on_every_method(world):
    _stack, alice = world
    created = alice.request("POST", "/api/lists/", json={"name": "slash"}, allow_redirects=False)
    assert created.status_code == 201
    lid = created.json()["id"]
    renamed = alice.request("PATCH", f"/api/lists/{lid}/", json={"name": "slashed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "slashed"
    assert alice.request("GET", "/api/auth/me/", allow_redirects=False).status_code == 200


def test_405_names_what_is_allowed_in_the_error_shape(world):
    _stack, alice = world
    reply = alice.request("PUT", "/api/lists")
    assert reply.status_code == 405
    assert reply.json()["error"]["code"] == "method_not_allowed"
    assert set(reply.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_head_has_the_headers_of_get_and_no_body(world):
    _stack, alice = world
    head = alice.request("HEAD", "/api/auth/me")
    get = alice.request("GET", "/api/auth/me")
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.parametrize("form", ['"{v}"', "{v}", 'W/"{v}"'])
def test_if_match_is_accepted_quoted_bare_or_weak(world, form):
    _stack, alice = world
    todo_list = alice.create_list()
    lid, version = todo_list["id"], todo_list["version"]
    reply = alice.request(
        "PATCH",
        f"/api/lists/{lid}",
        json={"name": "pinned"},
        headers={"If-Match": form.format(v=version)},
    )
    assert reply.status_code == 200 and reply.json()["version"] == version + 1
    stale = alice.request(
        "DELETE", f"/api/lists/{lid}", headers={"If-Match": form.format(v=version)}
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["fields"] == {"version": version + 1}


def test_a_no_op_write_answers_the_resources_own_position(world):
    stack, alice = world
    todo_list = alice.create_list("same")
    alice.add_todo(todo_list["id"], "later event")
    before = store_count(stack)
    reply = alice.request("PATCH", f"/api/lists/{todo_list['id']}", json={"name": "same"})
    assert reply.status_code == 200 and store_count(stack) == before
    assert int(reply.headers["X-Write-Position"]) == todo_list["position"]
    assert reply.json()["position"] == todo_list["position"]


def test_an_idempotent_replay_is_marked_and_appends_nothing(world):
    stack, alice = world
    headers = {"Idempotency-Key": "edge-key-1"}
    first = alice.request("POST", "/api/lists", json={"name": "once"}, headers=headers)
    count = store_count(stack)
    again = alice.request("POST", "/api/lists", json={"name": "once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and store_count(stack) == count
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["X-Write-Position"] == first.headers["X-Write-Position"]


def _signed_in_session(base: str) -> requests.Session:
    session = requests.Session()
    username = "web" + re.sub(r"[^a-z0-9]", "", base)[-8:]
    page = session.get(f"{base}/signup", timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reply = session.post(
        f"{base}/signup",
        data={"username": username, "password": "s3cret-pass!", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/signup"},
        timeout=30,
    )
    assert reply.status_code in (200, 302) and "sessionid" in session.cookies
    return session


def test_session_writes_need_csrf_and_a_bad_bearer_beats_a_good_session(world):
    stack, _alice = world
    base = stack.url("api")
    session = _signed_in_session(base)
    assert session.get(f"{base}/api/auth/me", timeout=30).status_code == 200
    refused = session.post(f"{base}/api/lists", json={"name": "no csrf"}, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    csrf = session.cookies["csrftoken"]
    made = session.post(
        f"{base}/api/lists",
        json={"name": "with csrf"},
        headers={"X-CSRFToken": csrf, "Referer": base + "/"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    bad = session.get(f"{base}/api/auth/me", headers={"Authorization": "Bearer nope"}, timeout=30)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"


def test_no_credentials_on_a_write_is_401_not_a_csrf_error(world):
    stack, _alice = world
    reply = requests.post(stack.url("api") + "/api/lists", json={"name": "x"}, timeout=30)
    assert reply.status_code == 401 and reply.json()["error"]["code"] == "unauthorized"
