"""The interop files in Node: docs/asyncapi.yaml through the official AsyncAPI parser, and
schemas/ in ajv (draft 2020-12) on real store events; the AsyncAPI page beside /api/docs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.api import ApiClient
from tests.support.stack import REPO, Stack

pytestmark = pytest.mark.integration

JS = REPO / "tests" / "support" / "js"
STORE_TYPES = [
    "ListCreated", "ListRenamed", "ListDeleted", "MemberAdded", "MemberRemoved",
    "TodoCreated", "TodoRenamed", "TodoCompleted", "TodoReopened", "TodoDeleted",
]  # fmt: skip


def node(script: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(JS / script), *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_asyncapi_document_passes_the_official_parser():
    result = node("validate_asyncapi.mjs", "docs/asyncapi.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == [] and report["version"] == "3.0.0"
    assert set(STORE_TYPES) | {"ServiceEvent", "DeadLetter", "presence"} <= set(report["messages"])
    for address in ("todo.events", "todo.events.dlx", "todo.events.dead", "todo.events.presence"):
        assert address in report["channels"]
    assert {"clientSubscribes", "clientUnsubscribes", "gatewaySendsPresence"} <= set(
        report["operations"]
    )
    # The payload came through two $refs (events/TodoCreated → data/TodoCreated).
    assert report["todoCreatedDataRequired"] == ["todo_id", "list_id", "title"]


def test_the_parser_check_fails_on_a_broken_reference(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "schemas").symlink_to(REPO / "schemas")
    text = (REPO / "docs" / "asyncapi.yaml").read_text()
    broken = text.replace("events/TodoCreated.schema.json", "events/NoSuchType.schema.json")
    assert broken != text
    (tmp_path / "docs" / "asyncapi.yaml").write_text(broken)
    result = node("validate_asyncapi.mjs", str(tmp_path / "docs" / "asyncapi.yaml"))
    assert result.returncode == 1
    assert "NoSuchType" in result.stdout + result.stderr


def every_store_event(api_url: str) -> list[dict[str, Any]]:
    """One real store event of each type, written through the API and read back."""
    alice, bob = ApiClient(api_url), ApiClient(api_url)
    list_id = alice.create_list()["id"]
    alice.call("PATCH", f"/api/lists/{list_id}", {"name": "renamed"})
    alice.add_member(list_id, bob.username)
    todo = alice.add_todo(list_id, "milk")
    for change in ({"title": "oat milk"}, {"completed": True}, {"completed": False}):
        alice.call("PATCH", f"/api/todos/{todo['id']}", change)
    alice.call("DELETE", f"/api/todos/{todo['id']}")
    alice.remove_member(list_id, bob.user_id)
    events = alice.call("GET", f"/api/events?after=0&channel=list:{list_id}")["events"]
    alice.call("DELETE", f"/api/lists/{list_id}")
    mine = alice.call("GET", f"/api/events?after=0&channel=user:{alice.user_id}")["events"]
    events += [e for e in mine if e["type"] == "ListDeleted"]
    assert sorted({e["type"] for e in events}) == sorted(STORE_TYPES)
    return events


def test_real_store_events_validate_in_ajv_and_broken_ones_do_not(stack: Stack):
    stack.start("api")
    events = every_store_event(stack.url("api"))
    broken = [{**e, "data": {}} for e in events] + [{**e, "id": "x"} for e in events[:1]]
    foreign = [{**events[0], "type": "Imported"}]  # has a position: refused
    result = node(
        "validate_events_ajv.mjs",
        stdin=json.dumps({"events": events + broken, "foreign": foreign}),
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(events) + len(broken) + 1
    good, bad = lines[: len(events)], lines[len(events) :]
    assert all(line["ok"] for line in good), [line for line in good if not line["ok"]]
    assert not any(line["ok"] for line in bad), bad


def test_asyncapi_page_is_served_beside_the_api_docs(stack: Stack):
    stack.start("api")
    resp = requests.get(stack.url("api") + "/api/asyncapi", timeout=30)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.text
    for text in (
        "AsyncAPI 3.0.0",
        "todo.events.dead",
        "events/TodoCreated.schema.json",
        "presence",
    ):
        assert text in page
