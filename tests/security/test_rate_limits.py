"""Rate limits in the database, shared by every gunicorn worker (429 + Retry-After, §4).

The API runs under gunicorn with three workers and small limits. The test first proves
that its connections really are served by more than one worker (``ss`` names the process
holding each accepted socket), then that the count is one count across them.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.integration

AUTH_LIMIT = 12
FAILURES = 3
WRITES = 5
TOKENS = 3
PASSWORD = "s3cret-pass!"


@pytest.fixture(scope="module")
def api(module_stack: Stack) -> str:
    module_stack.start(
        "api",
        env={
            "WEB_CONCURRENCY": "3",
            "GUNICORN_THREADS": "4",
            "RATE_LIMIT_AUTH": f"{AUTH_LIMIT}/3600",
            "RATE_LIMIT_SIGNIN_FAILURES": f"{FAILURES}/3600",
            "RATE_LIMIT_WRITES": f"{WRITES}/3600",
            "RATE_LIMIT_REALTIME_TOKENS": f"{TOKENS}/3600",
            "TRUSTED_PROXIES": "127.0.0.1/32, ::1",
        },
    )
    return module_stack.url("api")


def client_at(address: str) -> dict[str, str]:
    """Headers of a request relayed by the (trusted) local proxy for ``address``."""
    return {"X-Forwarded-For": f"{address}, 127.0.0.1"}


def register(api: str, address: str) -> dict[str, Any]:
    name = f"u{uuid.uuid4().hex[:10]}"
    reply = requests.post(
        f"{api}/api/auth/register",
        json={"username": name, "password": PASSWORD},
        headers=client_at(address),
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    return {**reply.json(), "password": PASSWORD}


def assert_rate_limited(reply: requests.Response) -> None:
    assert reply.status_code == 429, reply.text
    assert int(reply.headers["Retry-After"]) >= 1
    error = reply.json()["error"]
    assert error["code"] == "rate_limited" and error["message"]


def worker_pids_serving(port: int) -> set[int]:
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", out)}


def test_the_address_count_is_shared_by_every_worker(api: str, module_stack: Stack) -> None:
    sessions = [requests.Session() for _ in range(12)]
    with ThreadPoolExecutor(12) as pool:  # open all 12 keep-alive connections at once
        list(pool.map(lambda s: s.get(f"{api}/healthz", timeout=30), sessions))
    workers = worker_pids_serving(module_stack.procs["api"].port)
    assert len(workers) >= 2, f"connections all landed on one worker: {workers}"

    def attempt(session: requests.Session) -> requests.Response:
        return session.post(
            f"{api}/api/auth/token",
            json={"username": f"nobody{uuid.uuid4().hex[:6]}", "password": "wrong-password"},
            headers=client_at("198.51.100.7"),
            timeout=30,
        )

    seen = set(workers)  # gunicorn drops idle keep-alives after 2 s: sample while they run

    def attempt_and_look(session: requests.Session) -> requests.Response:
        reply = attempt(session)
        seen.update(worker_pids_serving(module_stack.procs["api"].port))
        return reply

    with ThreadPoolExecutor(12) as pool:
        replies = list(pool.map(attempt_and_look, sessions * 3))  # 36 attempts
    assert len(seen) >= 2, f"the attempts were all served by one worker: {seen}"
    statuses = [r.status_code for r in replies]
    assert statuses.count(401) == AUTH_LIMIT, statuses  # one count, not one per worker
    for reply in replies:
        if reply.status_code != 401:
            assert_rate_limited(reply)
    # Another client behind the same proxy is not locked out by this one.
    assert register(api, "198.51.100.8")["token"]


def test_forwarded_for_is_believed_only_from_trusted_proxies(api: str) -> None:
    # A client that forges X-Forwarded-For is seen at its real address (the right-most hop
    # the trusted proxy appended), so rotating forged prefixes does not reset its count.
    for n in range(AUTH_LIMIT):
        reply = requests.post(
            f"{api}/api/auth/token",
            json={"username": f"x{uuid.uuid4().hex[:8]}", "password": "wrong-password"},
            headers={"X-Forwarded-For": f"10.9.{n}.1, 203.0.113.5, 127.0.0.1"},
            timeout=30,
        )
        assert reply.status_code == 401, reply.text
    forged = requests.post(
        f"{api}/api/auth/token",
        json={"username": f"x{uuid.uuid4().hex[:8]}", "password": "wrong-password"},
        headers={"X-Forwarded-For": "10.9.99.1, 203.0.113.5, 127.0.0.1"},
        timeout=30,
    )
    assert_rate_limited(forged)


def test_failed_sign_ins_lock_the_account_not_the_address(api: str) -> None:
    victim = register(api, "192.0.2.10")
    other = register(api, "192.0.2.10")
    for n in range(FAILURES):
        reply = requests.post(
            f"{api}/api/auth/token",
            json={"username": victim["username"], "password": f"guess-{n}-wrong"},
            headers=client_at(f"192.0.2.{20 + n}"),  # a guesser spread over addresses
            timeout=30,
        )
        assert reply.status_code == 401, reply.text
    locked = requests.post(
        f"{api}/api/auth/token",
        json={"username": victim["username"].upper(), "password": victim["password"]},
        headers=client_at("192.0.2.30"),
        timeout=30,
    )
    assert_rate_limited(locked)
    fine = requests.post(
        f"{api}/api/auth/token",
        json={"username": other["username"], "password": other["password"]},
        headers=client_at("192.0.2.30"),
        timeout=30,
    )
    assert fine.status_code == 200, fine.text


def test_writes_and_realtime_tokens_are_limited_per_user(api: str) -> None:
    alice, bob = register(api, "192.0.2.40"), register(api, "192.0.2.41")
    auth = {"Authorization": f"Bearer {alice['token']}"}
    for n in range(WRITES):
        reply = requests.post(f"{api}/api/lists", json={"name": f"l{n}"}, headers=auth, timeout=30)
        assert reply.status_code == 201, reply.text
    assert_rate_limited(
        requests.post(f"{api}/api/lists", json={"name": "one too many"}, headers=auth, timeout=30)
    )
    assert requests.get(f"{api}/api/lists", headers=auth, timeout=30).status_code == 200
    bob_auth = {"Authorization": f"Bearer {bob['token']}"}
    reply = requests.post(f"{api}/api/lists", json={"name": "bob's"}, headers=bob_auth, timeout=30)
    assert reply.status_code == 201, reply.text

    body = {"channels": [f"user:{alice['id']}"]}
    for _ in range(TOKENS):
        reply = requests.post(f"{api}/api/realtime/token", json=body, headers=auth, timeout=30)
        assert reply.status_code == 200, reply.text
    assert_rate_limited(
        requests.post(f"{api}/api/realtime/token", json=body, headers=auth, timeout=30)
    )
