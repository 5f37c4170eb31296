"""Sending refused messages to ``<EVENTS_EXCHANGE>.dlx`` and reading them back.

A dead letter keeps the original body and properties; headers say why:
``x-dead-letter-reason`` (a short code such as ``not_json``), ``x-dead-letter-detail`` (one
line), ``x-dead-lettered-by`` and ``x-dead-lettered-at``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from todo_shared.amqp import ConfirmingPublisher

from projector import metrics

log = logging.getLogger(__name__)

REASON_HEADER = "x-dead-letter-reason"
DETAIL_HEADER = "x-dead-letter-detail"


def dead_letter_properties(
    original: pika.BasicProperties | None, reason: str, detail: str
) -> pika.BasicProperties:
    """The original message's properties plus the headers saying why it was refused."""
    original = original or pika.BasicProperties()
    headers: dict[str, Any] = dict(original.headers or {})
    headers.update(
        {
            REASON_HEADER: reason,
            DETAIL_HEADER: detail[:1000],
            "x-dead-lettered-by": "projector",
            "x-dead-lettered-at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    return with_headers(original, headers)


def with_headers(
    original: pika.BasicProperties, headers: Mapping[str, Any] | None
) -> pika.BasicProperties:
    """``original``'s properties, persistent, with ``headers`` instead of its own."""
    return pika.BasicProperties(
        content_type=original.content_type,
        delivery_mode=2,
        message_id=original.message_id,
        type=original.type,
        timestamp=original.timestamp,
        headers=dict(headers) if headers else None,
    )


def reason_of(headers: Mapping[str, Any] | None) -> tuple[str, str]:
    """``(reason, detail)`` of a dead letter: ours, else the broker's ``x-death`` reason."""
    headers = headers or {}
    reason = headers.get(REASON_HEADER)
    if reason:
        return _text(reason), _text(headers.get(DETAIL_HEADER, ""))
    deaths = headers.get("x-death") or []
    if deaths and isinstance(deaths[0], Mapping):
        return f"broker:{_text(deaths[0].get('reason', 'unknown'))}", ""
    return "unknown", ""


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class DeadLetterer:
    """Publishes dead letters with publisher confirms (one channel per connection)."""

    def __init__(self, channel: BlockingChannel, exchange: str) -> None:
        self.publisher = ConfirmingPublisher(channel, exchange)

    def send(
        self, body: bytes, properties: pika.BasicProperties | None, reason: str, detail: str
    ) -> None:
        """Publish and wait for the broker's confirm; raises ``PublishError`` if refused."""
        self.publisher.publish_raw(body, dead_letter_properties(properties, reason, detail))
        metrics.DEAD_LETTERED.labels(reason=reason).inc()
        log.warning(
            "message dead-lettered",
            extra={
                "reason": reason,
                "detail": detail[:300],
                "message_id": properties.message_id if properties else None,
                "bytes": len(body),
            },
        )
