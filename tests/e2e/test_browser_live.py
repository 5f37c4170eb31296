"""The page, live (issue 7): two users sharing a list in two headless Chromium pages.

Real processes (API under gunicorn, relay, projector, gateway), real browser, the official
socket.io-client served by Django. Each change made in one page must show in the other
within 2 seconds (``LIVE``), with no reload.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def share(owner, member, name: str) -> str:
    """``owner`` creates a list and adds ``member`` from the list page; returns its id."""
    owner.goto_lists()
    list_id = owner.create_list(name)
    owner.open_list(list_id)
    owner.page.get_by_label("Add a member by username").fill(member.username)
    owner.page.get_by_role("button", name="Add member").click()
    expect(owner.page.locator("#members")).to_contain_text(member.username)
    return list_id


def add_todo(user, title: str) -> None:
    user.page.get_by_label("New todo").fill(title)
    user.page.get_by_role("button", name="Add todo").click()


def test_todo_changes_in_one_page_show_in_the_other_within_two_seconds(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    list_id = share(alice, bob, "Groceries")
    bob.open_list(list_id)
    a, b = alice.page, bob.page

    add_todo(alice, "buy milk")
    expect(b.get_by_role("checkbox", name="buy milk")).to_be_visible(timeout=LIVE)

    b.get_by_role("button", name="Rename buy milk").click()
    b.get_by_label("New title for buy milk").fill("buy oat milk")
    b.get_by_label("New title for buy milk").press("Enter")
    expect(a.get_by_role("checkbox", name="buy oat milk")).to_be_visible(timeout=LIVE)
    expect(a.get_by_role("checkbox", name="buy milk", exact=True)).to_have_count(0)

    a.get_by_role("checkbox", name="buy oat milk").check()
    expect(b.get_by_role("checkbox", name="buy oat milk")).to_be_checked(timeout=LIVE)
    expect(b.locator("#list-counts")).to_have_text("0 open · 1 done", timeout=LIVE)

    b.get_by_role("checkbox", name="buy oat milk").uncheck()
    expect(a.get_by_role("checkbox", name="buy oat milk")).not_to_be_checked(timeout=LIVE)

    add_todo(bob, "bread")
    expect(a.get_by_role("checkbox", name="bread")).to_be_visible(timeout=LIVE)
    b.get_by_role("button", name="Delete buy oat milk").click()
    expect(a.get_by_role("checkbox", name="buy oat milk")).to_have_count(0, timeout=LIVE)

    # Both pages agree, the activity feed names the actors, and nothing was duplicated.
    for page in (a, b):
        expect(page.locator("#todos li")).to_have_count(1)
        expect(page.get_by_role("checkbox", name="bread")).not_to_be_checked()
        expect(page.locator("#activity")).to_contain_text(f"{bob.username} deleted")
    alice.screenshot("two-users")
    bob.screenshot("two-users")


def test_a_member_sees_a_shared_list_appear_and_vanish_live(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bob.goto_lists()
    alice.goto_lists()
    list_id = alice.create_list("Holiday plans")
    alice.open_list(list_id)
    bob_link = bob.page.get_by_role("link", name="Holiday plans")
    expect(bob_link).to_have_count(0)

    alice.page.get_by_label("Add a member by username").fill(bob.username)
    alice.page.get_by_role("button", name="Add member").click()
    expect(bob_link).to_be_visible(timeout=LIVE)
    expect(bob.page.locator(f"[data-list-id='{list_id}']")).to_contain_text(
        f"shared by {alice.username}"
    )
    bob.screenshot("member-added")

    alice.page.get_by_role("button", name=f"Remove {bob.username}").click()
    expect(bob_link).to_have_count(0, timeout=LIVE)

    # Added again, then the list is deleted: it appears, then vanishes.
    alice.page.get_by_label("Add a member by username").fill(bob.username)
    alice.page.get_by_role("button", name="Add member").click()
    expect(bob_link).to_be_visible(timeout=LIVE)
    alice.page.get_by_role("button", name="Delete list").click()  # confirm() is accepted
    expect(alice.page.get_by_role("heading", name="Your lists")).to_be_visible()
    expect(bob_link).to_have_count(0, timeout=LIVE)
    expect(alice.page.get_by_role("link", name="Holiday plans")).to_have_count(0)


def test_a_member_viewing_the_list_is_told_when_removed_and_can_leave(make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    list_id = share(alice, bob, "Chores")
    alice.page.get_by_label("Add a member by username").fill(carol.username)
    alice.page.get_by_role("button", name="Add member").click()
    bob.open_list(list_id)
    carol.open_list(list_id)
    expect(bob.page.locator("#members")).to_contain_text(carol.username)

    alice.page.get_by_role("button", name=f"Remove {bob.username}").click()
    expect(bob.page.get_by_role("alert").filter(has_text="no longer a member")).to_be_visible(
        timeout=LIVE
    )
    expect(carol.page.locator("#members")).not_to_contain_text(bob.username, timeout=LIVE)

    carol.page.get_by_role("button", name="Leave list").click()
    expect(carol.page.get_by_role("heading", name="Your lists")).to_be_visible()
    expect(carol.page.get_by_role("link", name="Chores")).to_have_count(0)
    expect(alice.page.locator("#members")).not_to_contain_text(carol.username, timeout=LIVE)


def test_gateway_restart_both_pages_catch_up_without_a_reload(make_user, web_stack):
    alice, bob = make_user("alice"), make_user("bob")
    list_id = share(alice, bob, "Weekend")
    bob.open_list(list_id)
    add_todo(alice, "before the outage")
    expect(bob.page.get_by_role("checkbox", name="before the outage")).to_be_visible(timeout=LIVE)
    for user in (alice, bob):  # a reload would lose this marker
        user.page.evaluate("window.__sameDocument = true")

    web_stack.kill("gateway")
    for user in (alice, bob):
        expect(user.connection).not_to_have_attribute("data-state", "live", timeout=5000)

    # Changes while the gateway is down: the API still takes them.
    add_todo(alice, "during the outage")
    expect(alice.page.get_by_role("checkbox", name="during the outage")).to_be_visible()
    alice.page.get_by_role("checkbox", name="before the outage").check()
    add_todo(bob, "bob offline too")
    expect(bob.page.get_by_role("checkbox", name="bob offline too")).to_be_visible()
    alice.screenshot("gateway-down")
    bob.screenshot("gateway-down")

    web_stack.restart("gateway")
    for user in (alice, bob):
        expect(user.connection).to_have_attribute("data-state", "live", timeout=15_000)
    a, b = alice.page, bob.page
    expect(b.get_by_role("checkbox", name="during the outage")).to_be_visible(timeout=LIVE)
    expect(b.get_by_role("checkbox", name="before the outage")).to_be_checked(timeout=LIVE)
    expect(a.get_by_role("checkbox", name="bob offline too")).to_be_visible(timeout=LIVE)

    # Live again after the restart, in both directions.
    add_todo(bob, "after the restart")
    expect(a.get_by_role("checkbox", name="after the restart")).to_be_visible(timeout=LIVE)
    a.get_by_role("checkbox", name="bob offline too").check()
    expect(b.get_by_role("checkbox", name="bob offline too")).to_be_checked(timeout=LIVE)

    for user in (alice, bob):
        assert user.page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        expect(user.page.locator("#todos li")).to_have_count(4)
        expect(user.page.locator("#list-counts")).to_have_text("2 open · 2 done")
    alice.screenshot("gateway-restarted")
    bob.screenshot("gateway-restarted")
