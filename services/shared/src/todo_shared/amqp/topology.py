"""Idempotent declaration of the RabbitMQ topology (CONTRACT.md §3).

Every service declares what it uses at start-up with exactly the arguments in
``infra/rabbitmq/definitions.json``, so a declaration never conflicts with the broker's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

PROJECTOR_DELIVERY_LIMIT = 20


@dataclass(frozen=True)
class Topology:
    """The broker names, following ``EVENTS_EXCHANGE`` and ``PROJECTOR_QUEUE``."""

    exchange: str
    projector_queue: str

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.exchange}.dlx"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.exchange}.dead"

    def projector_queue_arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-delivery-limit": PROJECTOR_DELIVERY_LIMIT,
        }

    def declare_exchange(self, channel: BlockingChannel) -> None:
        """The fanout exchange every event goes to."""
        channel.exchange_declare(self.exchange, exchange_type="fanout", durable=True)

    def declare_dead_letters(self, channel: BlockingChannel) -> None:
        """The dead-letter exchange and the queue that keeps what was refused."""
        channel.exchange_declare(self.dead_letter_exchange, exchange_type="fanout", durable=True)
        channel.queue_declare(
            self.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        channel.queue_bind(self.dead_letter_queue, self.dead_letter_exchange)

    def declare_projector_queue(self, channel: BlockingChannel) -> str:
        """The projector's durable quorum queue, bound to the exchange."""
        self.declare_exchange(channel)
        self.declare_dead_letters(channel)
        channel.queue_declare(
            self.projector_queue, durable=True, arguments=self.projector_queue_arguments()
        )
        channel.queue_bind(self.projector_queue, self.exchange)
        return self.projector_queue

    def declare_gateway_queue(self, channel: BlockingChannel) -> str:
        """One exclusive, server-named queue for this gateway process; returns its name."""
        self.declare_exchange(channel)
        result = channel.queue_declare("", exclusive=True, auto_delete=True)
        name: str = result.method.queue
        channel.queue_bind(name, self.exchange)
        return name
