"""Draw docs/screenshot-two-windows.png: two users' pages of one shared list, side by side.

    .venv/bin/python scripts/screenshot.py [--out docs/screenshot-two-windows.png]

Needs what the browser tests need: PostgreSQL and RabbitMQ as for ``make test``
(``TEST_PG_ADMIN_URL``, ``TEST_AMQP_URL``), ``npm ci`` done, and Debian's chromium
(``apt-get install -y chromium``). It starts a throw-away test stack (fresh database, unique
broker names), signs up alice and bob in two browser contexts, makes a few changes in each
page, waits until both pages show all of them and both people under "Viewing now" (live,
through the gateway), screenshots each page and lays the two shots side by side in a third
page — no image library needed.
"""

from __future__ import annotations

import argparse
import base64
import sys
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.e2e.conftest import PASSWORD, launch_chromium, start_web_stack  # noqa: E402
from tests.support.stack import DatabaseFactory  # noqa: E402

WIDTH, HEIGHT = 760, 820


def sign_up(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Your lists")).to_be_visible()


def add_todo(page: Page, title: str) -> None:
    page.get_by_label("New todo").fill(title)
    page.get_by_role("button", name="Add todo").click()
    expect(page.get_by_role("checkbox", name=title)).to_be_visible()


def stage(alice: Page, bob: Page, base: str, bob_name: str) -> None:
    """A shared list with a few changes from each side, shown in both pages."""
    alice.get_by_label("New list").fill("Weekend groceries")
    alice.get_by_role("button", name="Create list").click()
    alice.get_by_role("link", name="Weekend groceries").click()
    expect(alice.locator("#connection")).to_have_attribute("data-state", "live")
    alice.get_by_label("Add a member by username").fill(bob_name)
    alice.get_by_role("button", name="Add member").click()
    for title in ("Oat milk", "Sourdough bread", "Coffee beans"):
        add_todo(alice, title)
    bob.goto(base)
    bob.get_by_role("link", name="Weekend groceries").click()
    expect(bob.locator("#connection")).to_have_attribute("data-state", "live")
    add_todo(bob, "Lemons")
    bob.get_by_role("checkbox", name="Sourdough bread").check()
    alice.get_by_role("checkbox", name="Coffee beans").check()
    for page in (alice, bob):
        expect(page.locator("#list-counts")).to_have_text("2 open · 2 done")
        expect(page.get_by_role("checkbox", name="Lemons")).to_be_visible()
        expect(page.locator("#activity li")).to_have_count(8)
        # both people under "Viewing now" (presence, through the gateway)
        viewing = page.get_by_role("list", name="Viewing now").get_by_role("listitem")
        expect(viewing).to_have_count(2)


def side_by_side(browser, shots: list[tuple[str, bytes]], out: Path) -> None:  # type: ignore[no-untyped-def]
    figures = "".join(
        f'<figure><figcaption>{label}</figcaption><img alt="" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>'
        for label, png in shots
    )
    html = (
        "<!doctype html><style>body{margin:0;background:#c9ced8;display:flex;gap:16px;"
        "padding:16px;font:14px system-ui,sans-serif}figure{margin:0;background:#fff;"
        "border-radius:8px;overflow:hidden;box-shadow:0 2px 8px #0003}figcaption{padding:6px "
        "10px;background:#e9ecf1;color:#333}img{display:block}</style>" + figures
    )
    page = browser.new_page(viewport={"width": 2 * WIDTH + 48, "height": HEIGHT + 64})
    page.set_content(html)
    page.screenshot(path=str(out), full_page=True)
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot-two-windows.png")
    args = parser.parse_args()
    databases = DatabaseFactory()
    stack = databases.new_stack()
    try:
        start_web_stack(stack)
        base = stack.url("api")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            pages = []
            names = []
            for who in ("alice", "bob"):
                context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
                page = context.new_page()
                name = f"{who}-{uuid.uuid4().hex[:4]}"
                sign_up(page, base, name)
                pages.append(page)
                names.append(name)
            stage(pages[0], pages[1], base, names[1])
            shots = [
                (f"{name} — {base.split('//')[1]}", page.screenshot())
                for name, page in zip(names, pages, strict=True)
            ]
            args.out.parent.mkdir(parents=True, exist_ok=True)
            side_by_side(browser, shots, args.out)
            browser.close()
        print(f"wrote {args.out}")
    finally:
        stack.teardown()
        databases.cleanup()


if __name__ == "__main__":
    main()
