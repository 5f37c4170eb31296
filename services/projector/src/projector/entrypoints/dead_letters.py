"""``python -m projector dead-letters list|republish|discard``.

Messages are taken from ``<EVENTS_EXCHANGE>.dead`` without auto-ack; those not chosen are
handed back to the queue when the command ends, so listing changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from todo_shared.amqp import Topology, connect
from todo_shared.amqp.connection import CONNECTION_ERRORS
from todo_shared.config import Settings

from projector.adapters.dead_letters import reason_of, with_headers

STRIPPED_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
)


@dataclass
class DeadLetter:
    """One message of the dead-letter queue, as fetched."""

    key: str
    delivery_tag: int
    properties: pika.BasicProperties
    body: bytes

    @property
    def reason(self) -> str:
        return reason_of(self.properties.headers)[0]

    def describe(self) -> dict[str, Any]:
        reason, detail = reason_of(self.properties.headers)
        headers = self.properties.headers or {}
        return {
            "key": self.key,
            "reason": reason,
            "detail": detail,
            "type": self.properties.type,
            "bytes": len(self.body),
            "dead_lettered_at": str(headers.get("x-dead-lettered-at", "")),
            "preview": self.body[:80].decode("utf-8", "replace"),
        }


def fetch(channel: BlockingChannel, queue: str, limit: int) -> list[DeadLetter]:
    """Up to ``limit`` messages, unacknowledged, in queue order."""
    found: list[DeadLetter] = []
    while len(found) < limit:
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        if method is None:
            break
        key = properties.message_id or f"#{len(found) + 1}"
        found.append(DeadLetter(key, method.delivery_tag, properties, body))
    return found


def chosen(letters: list[DeadLetter], args: argparse.Namespace) -> list[DeadLetter]:
    if args.all:
        return letters
    if args.reason:
        return [d for d in letters if d.reason == args.reason]
    keys = set(args.ids)
    return [d for d in letters if d.key in keys]


def revived_properties(properties: pika.BasicProperties) -> pika.BasicProperties:
    """The original properties, without what dead-lettering added."""
    headers = {
        k: v
        for k, v in (properties.headers or {}).items()
        if not k.startswith("x-dead-letter")
        and k not in STRIPPED_HEADERS
        and k not in ("x-dead-lettered-by", "x-dead-lettered-at")
    }
    return with_headers(properties, headers)


def print_letters(letters: list[DeadLetter], as_json: bool) -> None:
    if as_json:
        for letter in letters:
            print(json.dumps(letter.describe(), ensure_ascii=False))
        return
    if not letters:
        print("no dead letters")
        return
    print(f"{'KEY':38} {'REASON':22} {'TYPE':16} {'BYTES':>7}  DETAIL")
    for letter in letters:
        d = letter.describe()
        print(
            f"{d['key']:38} {d['reason']:22} {d['type'] or '-':16} {d['bytes']:>7}  {d['detail'][:80]}"
        )


def run_dead_letters(settings: Settings, args: argparse.Namespace) -> int:
    """Run one dead-letters action; 0 on success, 1 if the broker is unreachable."""
    topology = Topology(settings.events_exchange, settings.projector_queue)
    try:
        connection = connect(settings.amqp_url, "projector-dead-letters")
    except CONNECTION_ERRORS as exc:
        print(f"cannot reach the broker at AMQP_URL: {exc!r}", file=sys.stderr)
        return 1
    try:
        channel = connection.channel()
        topology.declare_dead_letters(channel)
        letters = fetch(channel, topology.dead_letter_queue, args.limit)
        if args.action == "list":
            print_letters(letters, args.json)
            return 0
        picked = chosen(letters, args)
        if args.action == "republish":
            if args.to == "queue":
                topology.declare_projector_queue(channel)
                target, routing_key = "", topology.projector_queue
            else:
                target, routing_key = topology.exchange, ""
            publisher = connection.channel()
            publisher.confirm_delivery()
            for letter in picked:
                publisher.basic_publish(
                    target, routing_key, letter.body, revived_properties(letter.properties)
                )
                channel.basic_ack(letter.delivery_tag)
        else:
            for letter in picked:
                channel.basic_ack(letter.delivery_tag)
        verb = "re-published" if args.action == "republish" else "discarded"
        print(f"{verb} {len(picked)} of {len(letters)} dead letters")
        return 0
    finally:
        connection.close()  # hands back every message not acked above
