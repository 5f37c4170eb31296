"""One request id from HTTP to the socket emit; true API metrics under gunicorn; the
dashboard's and alert rules' queries name metrics the processes really expose.

All four processes run as in compose (gunicorn with two workers for the API).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.api import ApiClient
from tests.support.gateway import GatewayClient
from tests.support.stack import Stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "infra/monitoring/grafana/dashboards/realtime-todo.json"
ALERTS = REPO / "infra/monitoring/alerts.yml"
PROMETHEUS_OWN = {"up"}
PIPELINE = (
    ("relay", "event published"),
    ("projector", "event projected"),
    ("gateway", "event emitted"),
)  # synthesised by Prometheus for every target


@pytest.fixture(scope="module")
def full_stack(databases) -> Any:  # type: ignore[no-untyped-def]
    stack = databases.new_stack()
    failed = True
    try:
        stack.start("api", env={"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2"})
        stack.start("relay")
        stack.start("projector")
        stack.start("gateway")
        yield stack
        failed = False
    finally:
        stack.teardown(failed=failed)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def grep(stack: Stack, needle: str) -> dict[str, list[dict[str, Any]]]:
    """Every JSON log line of every process that contains ``needle``, by process."""
    return {
        name: [entry for entry in json_lines(proc.log_text()) if needle in json.dumps(entry)]
        for name, proc in stack.procs.items()
    }


def follow(stack: Stack, request_id: str) -> dict[str, list[dict[str, Any]]]:
    """Grep until the relay, the projector and the gateway have each logged the event."""

    def everywhere() -> dict[str, list[dict[str, Any]]] | None:
        found = grep(stack, request_id)
        if all(any(e["msg"] == msg for e in found[name]) for name, msg in PIPELINE):
            return found
        return None

    result: dict[str, list[dict[str, Any]]] = wait_for(
        everywhere, what=f"{request_id} in the relay's, projector's and gateway's logs"
    )
    return result


def test_one_request_id_from_http_to_the_socket_emit(full_stack: Stack) -> None:
    api = ApiClient(full_stack.url("api"))
    list_id = api.create_list("traced")["id"]
    client = GatewayClient(api.realtime_token([f"list:{list_id}"])).connect(
        full_stack.url("gateway")
    )
    try:
        assert client.subscribe(f"list:{list_id}")["ok"]
        # No X-Request-ID: the API makes one, answers it, and it follows the command.
        reply = requests.post(
            f"{full_stack.url('api')}/api/lists/{list_id}/todos",
            json={"title": "follow me"},
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=30,
        )
        assert reply.status_code == 201, reply.text
        request_id = reply.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        wait_for(lambda: client.of_channel(f"list:{list_id}"), what="the event on the socket")
        event = client.of_channel(f"list:{list_id}")[-1]
        assert event["metadata"]["correlation_id"] == request_id

        found = follow(full_stack, request_id)  # one grep, every process
        access = [e for e in found["api"] if e["msg"] == "request"]
        assert len(access) == 1
        assert access[0]["request_id"] == request_id
        assert access[0]["method"] == "POST"
        assert access[0]["route"] == "api/lists/{id}/todos"
        assert access[0]["status"] == 201
        assert access[0]["user_id"] == api.user_id
        assert isinstance(access[0]["duration_ms"], float | int)
        for name, msg in PIPELINE:
            lines = [e for e in found[name] if e["msg"] == msg]
            assert lines, f"{name} logged no {msg!r} line with the request id"
            assert {e["event_id"] for e in lines} == {event["id"]}, name
            assert all(e["correlation_id"] == request_id for e in lines), name
    finally:
        client.close()


def test_a_given_request_id_is_kept_and_a_malformed_one_replaced(full_stack: Stack) -> None:
    base = full_stack.url("api")
    mine = f"client-{uuid.uuid4().hex[:8]}"
    reply = requests.get(f"{base}/healthz", headers={"X-Request-ID": mine}, timeout=30)
    assert reply.headers["X-Request-ID"] == mine
    bad = 'x" injected\\n'
    reply = requests.get(f"{base}/healthz", headers={"X-Request-ID": bad}, timeout=30)
    assert reply.headers["X-Request-ID"] != bad
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-ID"])


def parse_metrics(text: str) -> dict[str, float]:
    """``name{labels}`` → value, for every sample line."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            samples[key] = float(value)
    return samples


def exposed_names(text: str) -> set[str]:
    """Every series name a scrape of ``text`` gives Prometheus (with HELP/TYPE families)."""
    names = {
        re.split(r"[{ ]", line, maxsplit=1)[0] for line in text.splitlines() if line[:1].isalpha()
    }
    for match in re.finditer(r"^# TYPE (\S+) (\w+)", text, re.M):
        family, kind = match.groups()
        names.add(family)
        if kind == "histogram":
            names |= {f"{family}_bucket", f"{family}_count", f"{family}_sum"}
    return names


def scrape(stack: Stack, name: str) -> str:
    reply = requests.get(f"{stack.url(name)}/metrics", timeout=30)
    assert reply.status_code == 200
    return reply.text


def test_api_metrics_count_every_worker(full_stack: Stack) -> None:
    """Two gunicorn workers: requests land on both, yet every scrape counts all of them."""
    base = full_stack.url("api")
    before = parse_metrics(scrape(full_stack, "api"))
    key = 'api_requests_total{method="GET",route="api/auth/me",status="401"}'
    requests_sent = 40
    for _ in range(requests_sent):
        assert requests.get(f"{base}/api/auth/me", timeout=30).status_code == 401
    for _ in range(10):  # each scrape is answered by some worker; all say the same
        after = parse_metrics(scrape(full_stack, "api"))
        assert after[key] - before.get(key, 0.0) == requests_sent
    workers = {
        e["pid"]
        for e in json_lines(full_stack.procs["api"].log_text())
        if e.get("msg") == "request" and e.get("route") == "api/auth/me"
    }
    assert len(workers) == 2, "the requests were not spread over both workers"
    text = scrape(full_stack, "api")
    count = 'api_request_duration_seconds_count{method="GET",route="api/auth/me"}'
    assert parse_metrics(text)[count] - before.get(count, 0.0) == requests_sent
    assert re.search(r'^api_build_info\{[^}]*version="0\.1\.0"[^}]*\} 1\.0$', text, re.M)


def test_commands_are_counted_by_type(full_stack: Stack) -> None:
    api = ApiClient(full_stack.url("api"))
    list_id = api.create_list("counted")["id"]
    key = 'api_commands_total{command="CreateTodo",outcome="ok"}'
    before = parse_metrics(scrape(full_stack, "api")).get(key, 0.0)
    api.add_todo(list_id, "one")
    api.add_todo(list_id, "two")
    assert parse_metrics(scrape(full_stack, "api"))[key] - before == 2


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    found = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    found += re.findall(r"^\s+expr: (.+)$", ALERTS.read_text(), re.M)
    return found


PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "and", "or", "unless", "inf", "nan",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, labels and keywords removed)."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)  # grouping labels
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end() :].lstrip()[:1]
        if following == "(" or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names


def test_metric_name_extraction() -> None:
    assert metric_names(
        'histogram_quantile(0.99, sum by (le, route) (rate(api_x_bucket{job="a"}[5m])))'
    ) == {"api_x_bucket"}
    assert metric_names("max(a_total) - max(b) > 1000") == {"a_total", "b"}


def test_dashboard_and_alerts_read_metrics_the_processes_expose(full_stack: Stack) -> None:
    api = ApiClient(full_stack.url("api"))
    api.add_todo(api.create_list("scraped")["id"], "so that every process has observed something")
    exposed: set[str] = set()
    for name in ("api", "relay", "projector", "gateway"):
        text = scrape(full_stack, name)
        assert re.search(rf"^{name}_build_info\{{", text, re.M), f"{name}: no build_info"
        exposed |= exposed_names(text)
    wanted = set().union(*(metric_names(q) for q in queries()))
    assert len(wanted) > 15
    missing = wanted - exposed - PROMETHEUS_OWN
    assert not missing, f"queries name metrics nobody exposes: {sorted(missing)}"
    panels = {p["title"] for p in json.loads(DASHBOARD.read_text())["panels"]}
    for needle in ("Commands", "Relay lag", "Projector lag", "connections", "deliveries",
                   "p99", "Dead letters", "drops"):  # fmt: skip
        assert any(needle in title for title in panels), needle
