"""The page with DEBUG=0 under both API commands of CONTRACT.md §1 (issue 15).

gunicorn (compose's command) and runserver (development's) each serve the page, its
static files (hashed names from the manifest ``collectstatic`` wrote, as ``make run`` and
``make test`` do in their set-up), the API and its docs with ``DEBUG=0`` and production's
cookie settings. A user signs up, creates a list and sees it live in headless Chromium.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import PASSWORD
from tests.support.stack import PYTHON, REPO, Stack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def collected_static() -> None:
    """What `make run` / `make test` do before starting anything (idempotent)."""
    subprocess.run(
        [PYTHON, "services/api/manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO,
        env={**os.environ, "DEBUG": "1"},
        check=True,
        timeout=300,
    )


def start_production_stack(stack: Stack, api_command: str) -> str:
    gateway_port = free_port()
    api_port = free_port()
    base = f"http://localhost:{api_port}"
    production = {"DEBUG": "0"}  # SECURE_COOKIES and HSTS follow DEBUG=0's defaults
    stack.start(api_command, env={**production, "GATEWAY_PORT": str(gateway_port)}, port=api_port)
    stack.procs["api"] = stack.procs[api_command]  # the gateway's catch-up source
    stack.start("relay", env=production)
    stack.start("projector", env=production)
    stack.start(
        "gateway",
        env={**production, "CORS_ALLOWED_ORIGINS": f"{base},http://127.0.0.1:{api_port}"},
        port=gateway_port,
    )
    return base


@pytest.mark.parametrize("api_command", ["api", "api-dev"], ids=["gunicorn", "runserver"])
def test_every_page_and_endpoint_with_debug_off(
    make_stack: Any, browser: Browser, api_command: str
) -> None:
    stack = make_stack()
    base = start_production_stack(stack, api_command)
    for path, kind in (
        ("/login", "text/html"),
        ("/signup", "text/html"),
        ("/api/docs", "text/html"),
        ("/api/openapi.json", "application/json"),
        ("/healthz", "application/json"),
        ("/metrics", "text/plain"),
    ):
        reply = requests.get(f"{base}{path}", timeout=30)
        assert reply.status_code == 200, f"{path}: {reply.status_code} {reply.text[:300]}"
        assert reply.headers["Content-Type"].startswith(kind), path
    assert requests.get(f"{base}/api/nothing-here", timeout=30).json()["error"]["code"] == (
        "not_found"
    )
    login = requests.get(f"{base}/login", timeout=30).text
    css = re.search(r'href="(/static/web/app\.[0-9a-f]{12}\.css)"', login)
    assert css, "with DEBUG=0 the page links the hashed (collected) stylesheet"
    reply = requests.get(f"{base}{css.group(1)}", timeout=30)
    assert reply.status_code == 200 and "max-age" in reply.headers["Cache-Control"]

    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    try:
        page.goto(f"{base}/signup")
        page.get_by_label("Username").fill(f"prod{uuid.uuid4().hex[:6]}")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", name="Your lists")).to_be_visible()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"]
        expect(page.locator("body[data-ready=true]")).to_have_count(1)
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        page.get_by_label("New list").fill("Debug off")
        page.get_by_role("button", name="Create list").click()
        expect(page.get_by_role("link", name="Debug off", exact=True)).to_be_visible()
        styled = page.evaluate(
            "document.styleSheets.length && document.styleSheets[0].cssRules.length"
        )
        assert styled, "the stylesheet did not load"
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not failed, f"failed requests: {failed}"
