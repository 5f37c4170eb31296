"""The page's "Viewing now" (issue 18): two people on one list see each other, live.

Real processes and headless Chromium, as the other browser tests. The contract gives 1 s
for a join or a leave to show; the page is given 5 s (``PRESENCE``), slack for a loaded
2-core machine running Chromium twice beside the four services.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PRESENCE = 5000  # ms


def test_two_people_see_each_other_viewing_and_a_closed_tab_leaves(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    alice.goto_lists()
    list_id = alice.create_list("Who is here")
    alice.open_list(list_id)
    viewing_a = alice.page.get_by_role("list", name="Viewing now")
    expect(viewing_a.get_by_role("listitem", name=f"{alice.username} (you)")).to_be_visible(
        timeout=PRESENCE
    )
    alice.page.get_by_label("Add a member by username").fill(bob.username)
    alice.page.get_by_role("button", name="Add member").click()
    expect(alice.page.locator("#members")).to_contain_text(bob.username)

    bob.open_list(list_id)
    viewing_b = bob.page.get_by_role("list", name="Viewing now")
    for viewing, me, other in ((viewing_a, alice, bob), (viewing_b, bob, alice)):
        expect(viewing.get_by_role("listitem", name=f"{me.username} (you)")).to_be_visible(
            timeout=PRESENCE
        )
        expect(viewing.get_by_role("listitem", name=other.username, exact=True)).to_be_visible(
            timeout=PRESENCE
        )
        expect(viewing.get_by_role("listitem")).to_have_count(2)
    expect(alice.page.locator("#viewers-count")).to_have_text("2 people viewing")

    bob.page.close()
    expect(viewing_a.get_by_role("listitem", name=bob.username, exact=True)).to_have_count(
        0, timeout=PRESENCE
    )
    expect(viewing_a.get_by_role("listitem")).to_have_count(1)
    expect(alice.page.locator("#viewers-count")).to_have_text("1 person viewing")
