"""Publishing envelopes with publisher confirms and persistent messages."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import NackError, UnroutableError

from todo_shared.envelope import MAX_MESSAGE_BYTES, EnvelopeError, encode, validate_envelope


class PublishError(Exception):
    """The broker did not confirm a message (nacked or returned)."""


def properties_for(
    envelope: Mapping[str, Any], headers: Mapping[str, Any] | None = None
) -> pika.BasicProperties:
    """AMQP properties of CONTRACT.md §3: JSON, persistent, ``message_id`` and ``type``."""
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=2,
        message_id=str(envelope.get("id", "")) or None,
        type=str(envelope.get("type", "")) or None,
        timestamp=int(time.time()),
        headers=dict(headers) if headers else None,
    )


def checked_message(envelope: Mapping[str, Any]) -> tuple[bytes, pika.BasicProperties]:
    """The body and properties of a publishable envelope.

    Raises :class:`~todo_shared.envelope.EnvelopeError` for an envelope the schemas refuse or
    one over 64 KiB.
    """
    validate_envelope(dict(envelope))
    body = encode(envelope)
    if len(body) > MAX_MESSAGE_BYTES:
        raise EnvelopeError("too_large", f"{len(body)} bytes is over {MAX_MESSAGE_BYTES}")
    return body, properties_for(envelope)


class ConfirmingPublisher:
    """Publishes to one exchange on a channel in confirm mode; each call waits for the ack."""

    def __init__(self, channel: BlockingChannel, exchange: str) -> None:
        self.channel = channel
        self.exchange = exchange
        channel.confirm_delivery()

    def publish(self, envelope: Mapping[str, Any]) -> None:
        """Validate and publish one envelope; returns once the broker has confirmed it.

        Raises :class:`~todo_shared.envelope.EnvelopeError` (nothing is sent) for an envelope
        the schemas refuse or one over 64 KiB, and :class:`PublishError` if the broker nacks.
        """
        self.publish_raw(*checked_message(envelope))

    def publish_raw(self, body: bytes, properties: pika.BasicProperties) -> None:
        try:
            self.channel.basic_publish(self.exchange, "", body, properties)
        except (NackError, UnroutableError) as exc:
            raise PublishError(f"broker refused the message: {exc!r}") from exc
