"""The page without a second user: accounts, failed writes, escaping, accessibility.

Headless Chromium against the real stack (issue 7).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE, PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

XSS = "<img src=x onerror=alert(1)>"


def open_new_list(user, name: str) -> str:
    user.goto_lists()
    list_id = user.create_list(name)
    user.open_list(list_id)
    return list_id


def add_todo(user, title: str) -> None:
    user.page.get_by_label("New todo").fill(title)
    user.page.get_by_role("button", name="Add todo").click()


def test_sign_up_sign_out_and_sign_in(make_user, web_stack):
    alice = make_user("alice")
    page = alice.page
    expect(page.get_by_text(f"Signed in as {alice.username}")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.goto(f"{alice.base}/")  # signed out: the lists page asks to sign in
    expect(page).to_have_url(f"{alice.base}/login?next=/")
    page.get_by_label("Username").fill(alice.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your lists")).to_be_visible()

    # The sign-up form shows the API's account rules, next to the field they concern.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{alice.base}/signup")
    page.get_by_label("Username").fill(alice.username.upper())
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#id_password-errors")).to_contain_text("too short")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#id_username-errors")).to_have_text("That username is taken")


def test_session_writes_need_the_csrf_header(make_user):
    alice = make_user("alice")
    alice.goto_lists()
    status = alice.page.evaluate(
        """async () => (await fetch('/api/lists', {method: 'POST',
             headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({name: 'no csrf'})})).json()"""
    )
    assert status["error"]["code"] == "csrf_failed"


def test_a_failed_write_rolls_back_and_shows_the_api_error(make_user):
    alice = make_user("alice")
    open_new_list(alice, "Errands")
    page = alice.page
    add_todo(alice, "post the letter")
    checkbox = page.get_by_role("checkbox", name="post the letter")
    expect(checkbox).to_be_visible()

    page.get_by_role("button", name="Rename post the letter").click()
    page.get_by_label("New title for post the letter").fill("   ")
    page.get_by_label("New title for post the letter").press("Enter")
    banner = page.locator("#error-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("title must not be empty")
    expect(checkbox).to_be_visible()
    expect(page.locator("#todos li")).to_have_count(1)

    page.get_by_role("button", name="Dismiss the error").click()
    expect(banner).to_be_hidden()
    page.get_by_label("Add a member by username").fill("nobody-by-this-name")
    page.get_by_role("button", name="Add member").click()
    expect(banner).to_contain_text("no such user")
    expect(page.locator("#members li")).to_have_count(1)
    expect(page.get_by_label("Add a member by username")).to_have_value("nobody-by-this-name")

    add_todo(alice, "x" * 201)  # longer than the API allows: shown, then taken back
    expect(banner).to_contain_text("at most 200 characters")
    expect(page.locator("#todos li")).to_have_count(1)
    alice.screenshot("failed-write")


def test_a_script_in_a_title_is_shown_as_text(make_user):
    alice = make_user("alice")
    bob = make_user("bob")
    dialogs: list[str] = []
    for user in (alice, bob):
        user.page.on("dialog", lambda d: dialogs.append(d.message))
    list_id = open_new_list(alice, XSS)
    page = alice.page
    expect(page.get_by_role("heading", level=1)).to_have_text(XSS)
    add_todo(alice, XSS)
    expect(page.get_by_role("checkbox", name=XSS)).to_be_visible()
    page.get_by_label("Add a member by username").fill(bob.username)
    page.get_by_role("button", name="Add member").click()

    bob.goto_lists()
    expect(bob.page.get_by_role("link", name=XSS)).to_be_visible()
    bob.open_list(list_id)
    add_todo(bob, '"><script>alert(2)</script>')
    expect(page.get_by_role("checkbox", name='"><script>alert(2)</script>')).to_be_visible(
        timeout=LIVE
    )
    expect(page.locator("#activity")).to_contain_text(XSS)
    for user in (alice, bob):
        assert user.page.locator("main img, main script").count() == 0
    assert dialogs == []
    alice.screenshot("xss")


def test_markup_is_labelled_and_fits_a_phone(make_user):
    alice = make_user("alice", viewport={"width": 375, "height": 740})
    open_new_list(alice, "Accessible")
    add_todo(alice, "a todo with a rather long title that has to wrap on a small screen")
    expect(alice.page.locator("#todos li")).to_have_count(1)
    problems = alice.page.evaluate(
        """() => {
          const out = [];
          const visible = (el) => el.offsetParent !== null;
          for (const el of document.querySelectorAll('input, select, textarea')) {
            if (el.type === 'hidden') continue;
            if (!el.labels || el.labels.length === 0) out.push('unlabelled ' + (el.id || el.name));
          }
          for (const el of document.querySelectorAll('button, a')) {
            const name = (el.getAttribute('aria-label') || el.textContent).trim();
            if (!name) out.push('nameless ' + el.outerHTML.slice(0, 80));
          }
          if (document.documentElement.scrollWidth > window.innerWidth) out.push('horizontal scroll');
          if (!document.documentElement.lang) out.push('no lang');
          return out;
        }"""
    )
    assert problems == []
    alice.screenshot("phone")
