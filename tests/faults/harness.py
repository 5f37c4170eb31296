"""One fault scenario: fresh users and lists on the shared stack, subscribers, the load,
and at the end the recovery wait and the four invariants."""

from __future__ import annotations

import time
import uuid

from tests.faults.invariants import SERVICES, Figures, check_all, recovered, store_head
from tests.faults.load import Load, Shared
from tests.faults.subscribers import Subscriber, audit, start_subscribers
from tests.support import oracle
from tests.support.api import ApiClient
from tests.support.stack import Stack

LOAD_SECONDS = 4.0  # load before and after the fault, each; the fault itself adds its own


class Scenario:
    """Three users, each owning one list shared with the next; every user subscribed on both
    gateways (WebSocket on ``gateway#1``, polling on ``gateway#2``)."""

    def __init__(self, stack: Stack, name: str, seed: int) -> None:
        self.stack = stack
        self.figures = Figures(name)
        tag = uuid.uuid4().hex[:6]
        self.users = [ApiClient(stack.url("api"), f"f{tag}{i}") for i in range(3)]
        shared = Shared()
        for i, user in enumerate(self.users):
            lid = user.create_list(f"{name} {i}")["id"]
            other = self.users[(i + 1) % len(self.users)]
            user.add_member(lid, other.username)
            shared.lists[lid] = {"owner": user.id, "members": {user.id, other.id}}
            shared.protected.add(lid)
        self.load = Load(self.users, shared, seed)
        self.load.setup_head = store_head(stack)
        self.subscribers: list[Subscriber] = []
        lists = {lid: set(v["members"]) for lid, v in shared.lists.items()}
        for gateway, transport in (("gateway#1", "websocket"), ("gateway#2", "polling")):
            self.subscribers += start_subscribers(stack.url(gateway), self.users, lists, transport)

    def __enter__(self) -> Scenario:
        self.load.__enter__()
        self.load.wait_commands(20)
        time.sleep(LOAD_SECONDS / 2)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if not self.load.stopped.is_set():
            self.load.stopped.set()
        if exc_type is not None:
            for sub in self.subscribers:
                sub.close()

    def fault_over(self, note: str, injected: int = 1) -> float:
        """Mark the fault's end; load goes on for a while, then stops. Returns the mark."""
        self.figures.fault = note
        self.figures.faults_injected = injected
        end = time.monotonic()
        self.load.wait_commands(10)
        time.sleep(LOAD_SECONDS / 2)
        self.load.stop()
        return end

    def check(self, fault_end: float, services: tuple[str, ...] = SERVICES) -> Figures:
        """Invariant 4 (recovery, measured from ``fault_end``), then 1-3."""
        self.figures.recovery_s = recovered(self.stack, fault_end, services)
        store = oracle.store_events(self.stack.database_url)
        deadline = time.monotonic() + 30
        while audit(self.subscribers, store).lost and time.monotonic() < deadline:
            time.sleep(0.2)  # the last deliveries may still be on their way
        try:
            check_all(self.stack, self.load, self.subscribers, self.figures)
        finally:
            for sub in self.subscribers:
                sub.close()
        return self.figures
