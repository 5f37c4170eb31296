"""The four invariants of the fault suite, and the figures each scenario reports."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.faults.load import Load
from tests.faults.subscribers import Subscriber, audit
from tests.support import oracle
from tests.support.stack import Stack

RECOVERY_LIMIT = 90.0  # seconds: every service healthy and caught up this soon after a fault
SERVICES = ("api", "relay", "projector", "gateway#1", "gateway#2")


@dataclass
class Figures:
    scenario: str
    fault: str = ""
    faults_injected: int = 0
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    retried: int = 0
    idempotent_replays: int = 0
    events: int = 0
    deliveries: int = 0
    lost: int = 0
    doubled: int = 0
    reordered: int = 0
    left_by_errors: int = 0
    recovery_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return json.dumps(self.__dict__)


def healthz(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=3) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except (urllib.error.URLError, OSError, ValueError):
        return 0, {}


def store_head(stack: Stack) -> int:
    events = oracle._rows(stack.database_url, "SELECT coalesce(max(position), 0) FROM event_store")
    return int(events[0][0])


def recovered(stack: Stack, since: float, services: tuple[str, ...] = SERVICES) -> float:
    """Wait until every service answers 200 on /healthz and the projector and the gateways
    reached the store's head; return the seconds since ``since`` (the fault's end)."""
    deadline = since + RECOVERY_LIMIT
    while True:
        head = store_head(stack)
        status = {name: healthz(stack.url(name)) for name in services if name in stack.procs}
        healthy = all(code == 200 for code, _ in status.values())
        projected = oracle._rows(
            stack.database_url, "SELECT position FROM rm_checkpoint WHERE name = 'read-models'"
        )
        caught_up = bool(projected) and int(projected[0][0]) >= head
        gateways = [
            metric(stack.url(n), "gateway_position") >= head
            for n in services
            if n.startswith("gateway") and n in stack.procs
        ]
        if healthy and caught_up and all(gateways):
            return round(time.monotonic() - since, 1)
        assert time.monotonic() < deadline, (
            f"not recovered {RECOVERY_LIMIT}s after the fault: head {head}, "
            f"checkpoint {projected}, health { {n: c for n, (c, _) in status.items()} }"
        )
        time.sleep(0.2)


def metric(url: str, name: str) -> float:
    """The sum of every sample of ``name`` in ``url``/metrics (0 if absent)."""
    try:
        with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:  # noqa: S310
            text = resp.read().decode()
    except (urllib.error.URLError, OSError):
        return -1.0
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def check_commands(load: Load, store: list[dict[str, Any]]) -> list[str]:
    """Invariant 3: every 2xx command is exactly one stored event of the expected type and
    stream at its ``X-Write-Position``; every stored event of these users is such a command's
    (so nothing was doubled and no refused command left anything)."""
    users = {u.id for u in load.users}
    mine = {e["position"]: e for e in store if str(e["metadata"].get("actor")) in users}
    problems = list(load.replay_mismatches)
    claimed: Counter[int] = Counter()
    for cmd in load.log:
        if not 200 <= cmd.status < 300:
            continue
        event = mine.get(cmd.position or -1)
        claimed[cmd.position or -1] += 1
        if event is None:
            problems.append(
                f"lost: {cmd.method} {cmd.path} answered {cmd.status} at {cmd.position}"
            )
        elif (event["type"], event["stream"], str(event["metadata"]["actor"])) != (
            cmd.kind,
            cmd.stream,
            cmd.user,
        ):
            problems.append(
                f"wrong event for {cmd.method} {cmd.path}: {event['type']} {event['stream']}"
            )
    problems += [f"two commands claim position {p}" for p, n in claimed.items() if n > 1]
    problems += [
        f"an event no 2xx command explains: {e['type']} {e['stream']} at {p}"
        for p, e in mine.items()
        if p not in claimed and p > load.setup_head  # older: the scenario's setup
    ]
    return problems


def check_all(
    stack: Stack,
    load: Load,
    subscribers: list[Subscriber],
    figures: Figures,
) -> None:
    """Invariants 1-3 (4 is :func:`recovered`, measured by the scenario); fills ``figures``."""
    store = oracle.store_events(stack.database_url)
    diff = oracle.differences(stack.database_url)
    commands = check_commands(load, store)
    deliveries = audit(subscribers, store)
    figures.sent = len(load.log)
    figures.accepted = sum(1 for c in load.log if 200 <= c.status < 300)
    figures.refused = figures.sent - figures.accepted
    figures.retried = sum(1 for c in load.log if c.attempts > 1)
    figures.idempotent_replays = load.idempotent_replays
    users = {u.id for u in load.users}
    figures.events = sum(1 for e in store if str(e["metadata"].get("actor")) in users)
    figures.deliveries = deliveries.deliveries
    figures.lost = len(deliveries.lost) + sum(1 for p in commands if p.startswith("lost"))
    figures.doubled = len(deliveries.doubled) + sum(1 for p in commands if "two" in p)
    figures.reordered = len(deliveries.reordered)
    figures.left_by_errors = sum(1 for p in commands if p.startswith("an event no"))
    print("\nFIGURES " + figures.line())
    assert not diff, f"read models differ from the oracle's replay: {diff}"
    assert not commands, f"the store does not match the commands' answers: {commands[:10]}"
    assert not deliveries.problems(), (
        f"deliveries: {deliveries.problems()[:10]}; "
        f"the gateways' log lines of the lost positions: {log_evidence(stack, deliveries.lost)}"
    )
    assert figures.accepted > 0 and figures.deliveries > 0, "the load did nothing"


def log_evidence(stack: Stack, lost: list[str], per_position: int = 6) -> dict[str, list[str]]:
    """For a post-mortem in CI (where the logs are gone): what each gateway's log says of the
    first lost positions (``"position": N`` in its JSON lines), a few lines each."""
    positions = sorted({int(p) for line in lost for p in re.findall(r"\((\d+), '", line)})[:3]
    found: dict[str, list[str]] = {}
    for name, proc in stack.procs.items():
        if not name.startswith("gateway"):
            continue
        lines = proc.log_text().splitlines()
        for position in positions:
            needle = re.compile(rf'"(position|to|from|last|got)": {position}\b')
            hits = [line[:400] for line in lines if needle.search(line)]
            found[f"{name}@{position}"] = hits[:per_position]
    return found
