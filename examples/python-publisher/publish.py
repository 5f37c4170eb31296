"""Publish one event of another service to the events exchange, validated with the shipped
JSON Schemas first (pika + jsonschema; nothing from this repository's Python packages).

    python publish.py public:news              a valid AnnouncementPosted
    python publish.py public:news --invalid    one naming a list: channel: the schema says
                                               why; published anyway to show the refusal

Environment: AMQP_URL (amqp://guest:guest@localhost:5672/%2F), EVENTS_EXCHANGE (todo.events),
SCHEMAS_DIR (../../schemas), GATEWAY_URL (optional: then the gateway's drop counter is shown).
Prints one JSON object per line.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
EXCHANGE = os.environ.get("EVENTS_EXCHANGE", "todo.events")
SCHEMAS = Path(os.environ.get("SCHEMAS_DIR", Path(__file__).resolve().parents[2] / "schemas"))
BASE = "https://realtime-todo.example/schemas/"
SOURCE = "python-publisher"
MAX_BYTES = 64 * 1024  # the body's UTF-8 bytes


def validator(relative: str) -> Draft202012Validator:
    """Draft 2020-12, every schema file registered under its $id so the $refs resolve."""
    schemas = [json.loads(p.read_text("utf-8")) for p in SCHEMAS.rglob("*.schema.json")]
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas
    )
    return Draft202012Validator(registry.contents(BASE + relative), registry=registry)


def envelope(channel: str, invalid: bool) -> dict[str, Any]:
    event_id = str(uuid.uuid4())
    return {
        "id": event_id,
        "type": "AnnouncementPosted",  # not one of the store's types: those are reserved
        "schema_version": 1,  # versions this type's envelope + data
        "stream": f"announcement-{event_id}",  # the publisher's own; not used for ordering
        "version": 1,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        # Only the store speaks for lists: a list: channel without position is refused.
        "channels": [f"list:{uuid.uuid4()}"] if invalid else [channel],
        "data": {"text": "this one is refused" if invalid else "hello from Python"},
        "metadata": {"source": SOURCE, "correlation_id": str(uuid.uuid4())},
    }


def drops(reason: str) -> float | None:
    gateway = os.environ.get("GATEWAY_URL")
    if not gateway:
        return None
    with urllib.request.urlopen(f"{gateway}/metrics", timeout=10) as resp:  # noqa: S310
        text = resp.read().decode()
    match = re.search(rf'^gateway_dropped_events_total\{{reason="{reason}"\}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def main(argv: list[str]) -> int:
    channel = argv[0] if argv else "public:news"
    invalid = "--invalid" in argv
    event = envelope(channel, invalid)
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    errors = [
        f"/{'/'.join(map(str, e.absolute_path))} {e.message}"
        for e in validator("service-event.schema.json").iter_errors(event)
    ]
    if len(body) > MAX_BYTES:
        errors.append(f"body is {len(body)} bytes, over {MAX_BYTES}")
    print(
        json.dumps({"kind": "validated", "id": event["id"], "valid": not errors, "errors": errors})
    )
    if errors and not invalid:
        return 1

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        ch = connection.channel()
        ch.confirm_delivery()  # publisher confirms: basic_publish raises on a nack
        ch.exchange_declare(EXCHANGE, passive=True)  # check only; the exchange is the system's
        before = drops("not_from_store") if invalid else None
        ch.basic_publish(
            EXCHANGE,
            "",  # fanout: the routing key is ignored
            body,
            pika.BasicProperties(
                delivery_mode=2,
                content_type="application/json",
                message_id=event["id"],
                type=event["type"],
                timestamp=int(time.time()),
                app_id=SOURCE,
            ),
        )
        print(json.dumps({"kind": "published", "id": event["id"], "confirmed": True}))
        if invalid and before is not None:
            # The gateway counts it and logs {"msg": "message refused", "reason":
            # "not_from_store", "message_id": <id>}; the projector dead-letters it.
            deadline, after = time.monotonic() + 30, before
            while after <= before and time.monotonic() < deadline:
                time.sleep(0.2)
                after = drops("not_from_store") or 0.0
            metric = 'gateway_dropped_events_total{reason="not_from_store"}'
            print(
                json.dumps(
                    {
                        "kind": "refused",
                        "id": event["id"],
                        "metric": metric,
                        "before": before,
                        "after": after,
                    }
                )
            )
    finally:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
