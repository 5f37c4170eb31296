"""AMQP helpers shared by the relay, the projector and the gateway (pika)."""

from todo_shared.amqp.connection import Backoff, connect, connect_with_backoff
from todo_shared.amqp.consumer import Delivery, run_consumer
from todo_shared.amqp.publisher import ConfirmingPublisher, PublishError, properties_for
from todo_shared.amqp.topology import Topology

__all__ = [
    "Backoff",
    "ConfirmingPublisher",
    "Delivery",
    "PublishError",
    "Topology",
    "connect",
    "connect_with_backoff",
    "properties_for",
    "run_consumer",
]
