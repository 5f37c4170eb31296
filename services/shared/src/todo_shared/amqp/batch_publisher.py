"""Publishing a batch with publisher confirms and one wait for all of them.

pika's ``BlockingChannel.basic_publish`` in confirm mode waits for each message's confirm
before it returns: one broker round trip per message. :class:`BatchPublisher` sends every
message of a batch, then runs the I/O loop once until the broker has confirmed them all.

This module is the one place that reaches into pika's internals, and only these two:
``BlockingChannel._impl`` (the asynchronous ``pika.channel.Channel`` underneath, for
``confirm_delivery`` with our own callback and a ``basic_publish`` that does not wait) and
``BlockingChannel._flush_output(condition)`` (run the loop until ``condition()``; raises if
the channel or the connection closes meanwhile — what the blocking ``basic_publish`` itself
uses). Pinned in ``services/shared/pyproject.toml`` (``pika>=1.3,<1.5``);
``tests/integration/test_amqp_batch_publisher.py`` checks it against the broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel

from todo_shared.amqp.publisher import PublishError

Message = tuple[bytes, pika.BasicProperties]


class BatchNacked(PublishError):
    """The broker nacked a message of the batch; the ``confirmed`` first ones were acked."""

    def __init__(self, confirmed: int, total: int) -> None:
        super().__init__(f"broker nacked message {confirmed + 1} of {total}")
        self.confirmed = confirmed


class BatchPublisher:
    """Publishes to one exchange on a channel in confirm mode, one wait per batch."""

    def __init__(self, channel: BlockingChannel, exchange: str) -> None:
        self.channel = channel
        self.exchange = exchange
        self._impl: Any = channel._impl
        self._next_tag = 1  # confirm mode numbers a channel's messages 1, 2, 3 …
        self._pending: set[int] = set()
        self._nacked: set[int] = set()
        selected: list[bool] = []
        self._impl.confirm_delivery(
            ack_nack_callback=self._on_confirm, callback=lambda _frame: selected.append(True)
        )
        channel._flush_output(lambda: bool(selected))

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tag = method.delivery_tag
        done = {t for t in self._pending if t <= tag} if method.multiple else {tag}
        self._pending -= done
        if isinstance(method, pika.spec.Basic.Nack):
            self._nacked |= done

    def publish_batch(self, messages: Sequence[Message]) -> None:
        """Send ``messages`` in order; return once the broker has confirmed every one.

        Raises :class:`BatchNacked` (with how many leading messages were acked) if one was
        nacked, and pika's connection/channel errors if the connection is lost meanwhile.
        """
        first = self._next_tag
        for body, properties in messages:
            self._impl.basic_publish(self.exchange, "", body, properties)
            self._pending.add(self._next_tag)
            self._next_tag += 1
        self.channel._flush_output(lambda: not self._pending)
        if self._nacked:
            confirmed = min(self._nacked) - first
            self._nacked.clear()
            raise BatchNacked(max(confirmed, 0), len(messages))
