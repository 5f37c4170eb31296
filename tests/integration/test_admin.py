"""The Django admin shows the event store, read-only."""

import re
import subprocess

import requests

from tests.support.api import ApiClient
from tests.support.stack import PYTHON, REPO


def test_admin_browses_events_read_only(stack):
    stack.start("api")
    alice = ApiClient(stack.url("api"))
    lid = alice.create_list("Audited")["id"]
    env = {**stack.base_env(), "DJANGO_SUPERUSER_PASSWORD": "admin-pass-123"}
    subprocess.run(
        [
            PYTHON,
            "services/api/manage.py",
            "createsuperuser",
            "--no-input",
            "--username",
            "root",
            "--email",
            "root@example.com",
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    session = requests.Session()
    login_url = stack.url("api") + "/admin/login/"
    page = session.get(login_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reply = session.post(
        login_url,
        data={
            "username": "root",
            "password": "admin-pass-123",
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": login_url},
        timeout=10,
    )
    assert reply.status_code == 200 and "Log out" in reply.text
    listing = session.get(
        stack.url("api") + f"/admin/eventstore/storedevent/?q=list-{lid}", timeout=10
    )
    assert listing.status_code == 200
    assert f"list-{lid}" in listing.text and "ListCreated" in listing.text
    assert "/admin/eventstore/storedevent/add/" not in listing.text
    detail = session.get(stack.url("api") + "/admin/eventstore/storedevent/1/change/", timeout=10)
    assert detail.status_code == 200 and "Audited" in detail.text
    assert 'name="_save"' not in detail.text  # no way to change it
    assert (
        session.get(stack.url("api") + "/admin/eventstore/storedevent/add/", timeout=10).status_code
        == 403
    )
