"""Browser fixtures: Debian's chromium driven by Playwright, and a stack the page can use.

The page needs the gateway's public URL when Django renders it, so the gateway's port is
chosen first and given to the API (``GATEWAY_PORT``). The gateway is told to accept the
page's origin (``CORS_ALLOWED_ORIGINS``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.conftest import FAILED
from tests.support.stack import ARTIFACTS, Stack, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORD = "correct-horse-42"
LIVE = 2000  # ms: the bound for a change to show in the other page


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Debian chromium (``apt-get install chromium``), as the tests and scripts use it."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def start_web_stack(stack: Stack) -> Stack:
    """API, relay, projector and gateway, with the page knowing where the gateway is."""
    gateway_port = free_port()
    api = stack.start("api", env={"GATEWAY_PORT": str(gateway_port)})
    stack.start("relay")
    stack.start("projector")
    origins = f"http://127.0.0.1:{api.port},http://localhost:{api.port}"
    stack.start("gateway", env={"CORS_ALLOWED_ORIGINS": origins}, port=gateway_port)
    return stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def web_stack(databases) -> Iterator[Stack]:
    """One stack per test module; every test signs up its own users."""
    stack = databases.new_stack()
    failed = True
    try:
        start_web_stack(stack)
        yield stack
        failed = False
    finally:
        stack.teardown(failed=failed)


@dataclass
class User:
    """A signed-up user with their own browser context (cookies) and page."""

    username: str
    role: str  # "alice", "bob": names the screenshots, so a rerun replaces them
    context: BrowserContext
    page: Page
    base: str
    errors: list[str]

    @property
    def id(self) -> str:
        return self.page.evaluate(
            "JSON.parse(document.getElementById('page-config').textContent).user.id"
        )

    def goto_lists(self) -> None:
        self.page.goto(f"{self.base}/")
        expect(self.page.locator("body[data-ready=true]")).to_have_count(1)
        expect(self.connection).to_have_attribute("data-state", "live")

    def open_list(self, list_id: str) -> None:
        self.page.goto(f"{self.base}/lists/{list_id}")
        expect(self.page.locator("body[data-ready=true]")).to_have_count(1)
        expect(self.connection).to_have_attribute("data-state", "live")

    @property
    def connection(self):  # type: ignore[no-untyped-def]
        return self.page.locator("#connection")

    def create_list(self, name: str) -> str:
        """Create a list from the lists page; returns its id."""
        page = self.page
        page.get_by_label("New list").fill(name)
        page.get_by_role("button", name="Create list").click()
        link = page.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        href = link.get_attribute("href") or ""
        match = re.search(r"/lists/([0-9a-f-]{36})", href)
        assert match, href
        return match.group(1)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.role}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def make_user(browser: Browser, web_stack: Stack, request) -> Iterator:  # type: ignore[no-untyped-def]
    """Sign up a new user through the page, in a fresh browser context."""
    users: list[User] = []
    base = web_stack.url("api")

    def factory(prefix: str = "user", viewport: dict[str, int] | None = None) -> User:
        context = browser.new_context(viewport=viewport or {"width": 1000, "height": 760})
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        username = f"{prefix}{uuid.uuid4().hex[:6]}"
        page.goto(f"{base}/signup")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", name="Your lists")).to_be_visible()
        user = User(username, prefix, context, page, base, errors)
        users.append(user)
        return user

    yield factory
    for user in users:
        if request.node.stash.get(FAILED, False):
            user.screenshot(f"{request.node.name}-failed")
        user.context.close()
    for user in users:
        assert not user.errors, f"{user.username}: JavaScript errors {user.errors}"
