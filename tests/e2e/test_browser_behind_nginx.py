"""Compose's production HTTPS settings behind infra/nginx/nginx.conf, run here for real.

The API gets the environment compose gives it (``DEBUG=0``, trusted ``X-Forwarded-Proto``,
HTTPS redirect, secure cookies, HSTS, gunicorn trusting forwarded headers); nginx runs with
the repository's configuration, the compose host names and ports made local. Then:

- a browser on http://localhost:<nginx> (the trial without a TLS terminator) signs up,
  creates a list and sees it live, Socket.IO through nginx on the same origin;
- a plain-HTTP request straight to the API, or one the terminator marks ``http``, is
  redirected to https://, while /healthz, /metrics and /api/events (the processes' own
  calls on the private network) are not;
- an HTTPS request carries HSTS; nginx's request id reaches the API's access log.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import PASSWORD
from tests.e2e.test_browser_debug_off import collected_static  # noqa: F401 - autouse fixture
from tests.support.stack import REPO, Stack, free_port
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def compose_api_env(page_origin: str) -> dict[str, str]:
    """What docker-compose.yml's x-common-env and x-https-env give the api service."""
    return {
        "DEBUG": "0",
        "SECURE_PROXY_SSL_HEADER": "1",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_COOKIES": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1",
        "FORWARDED_ALLOW_IPS": "*",
        "GATEWAY_PUBLIC_URL": "/",
        "CORS_ALLOWED_ORIGINS": page_origin,
    }


@pytest.fixture
def behind_nginx(make_stack: Any, tmp_path: Path) -> Iterator[tuple[Stack, str]]:
    nginx = shutil.which("nginx")
    assert nginx, "nginx is not installed (make test installs it)"
    stack = make_stack()
    page_port, gateway_proxy_port, gateway_port = free_port(), free_port(), free_port()
    page = f"http://localhost:{page_port}"
    api = stack.start("api", env=compose_api_env(page))
    stack.start("relay", env={"DEBUG": "0"})
    stack.start("projector", env={"DEBUG": "0"})
    stack.start("gateway", env={"DEBUG": "0", "CORS_ALLOWED_ORIGINS": page}, port=gateway_port)
    conf = (REPO / "infra/nginx/nginx.conf").read_text()
    conf = conf.replace("server gateway:9000;", f"server 127.0.0.1:{gateway_port};")
    conf = conf.replace("server api:8000;", f"server 127.0.0.1:{api.port};")
    conf = conf.replace("listen 9000;", f"listen 127.0.0.1:{gateway_proxy_port};")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{page_port};")
    conf = conf.replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    conf = conf.replace("access_log /dev/stdout json;", f"access_log {tmp_path}/access.log json;")
    (tmp_path / "nginx.conf").write_text(conf)
    log = (tmp_path / "nginx.out").open("wb")
    proc = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g",
         f"daemon off; error_log {tmp_path}/error.log;"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def nginx_up() -> bool:
            assert proc.poll() is None, (tmp_path / "error.log").read_text()
            try:
                return requests.get(f"{page}/healthz", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(nginx_up, what="nginx in front of the API")
        yield stack, page
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_the_page_works_through_nginx_with_compose_https_settings(
    behind_nginx: tuple[Stack, str], browser: Browser
) -> None:
    _stack, page_url = behind_nginx
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{page_url}/signup")
        page.get_by_label("Username").fill(f"tls{uuid.uuid4().hex[:6]}")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()  # a CSRF-checked form POST
        expect(page.get_by_role("heading", name="Your lists")).to_be_visible()
        assert page.url.startswith(page_url), "no redirect away from the trial origin"
        assert all(
            c["secure"] for c in context.cookies() if c["name"] in {"sessionid", "csrftoken"}
        )
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        page.get_by_label("New list").fill("Behind nginx")
        page.get_by_role("button", name="Create list").click()
        expect(page.get_by_role("link", name="Behind nginx", exact=True)).to_be_visible()
    finally:
        context.close()
    assert not errors, errors


def test_plain_http_is_redirected_except_the_private_calls(
    behind_nginx: tuple[Stack, str],
) -> None:
    stack, page_url = behind_nginx
    direct = stack.url("api")
    reply = requests.get(f"{direct}/login", allow_redirects=False, timeout=30)
    assert reply.status_code == 301 and reply.headers["Location"].startswith("https://")
    marked_http = requests.get(
        f"{page_url}/login",
        headers={"X-Forwarded-Proto": "http"},  # what a terminator says of a plain request
        allow_redirects=False,
        timeout=30,
    )
    assert marked_http.status_code == 301
    assert (
        marked_http.headers["Location"] == f"https://localhost:{page_url.rsplit(':', 1)[1]}/login"
    )
    for path in ("/healthz", "/metrics"):
        assert requests.get(f"{direct}{path}", allow_redirects=False, timeout=30).status_code == 200
    events = requests.get(f"{direct}/api/events", allow_redirects=False, timeout=30)
    assert events.status_code == 401  # reached the view (no credentials), not redirected

    secure = requests.get(f"{page_url}/login", timeout=30)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    request_id = secure.headers["X-Request-ID"]
    wait_for(lambda: request_id in stack.procs["api"].log_text(), what="nginx's id in the API log")
