"""todo_shared.amqp.batch_publisher against the real broker (it reaches into pika's
BlockingChannel: these tests are what the pin in services/shared/pyproject.toml relies on)."""

from __future__ import annotations

import json
import uuid

import pika
import pytest
from todo_shared.amqp.batch_publisher import BatchNacked, BatchPublisher

from tests.support.broker import Tap
from tests.support.stack import AMQP_URL


@pytest.fixture
def exchange():
    name = f"todo.events.t{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    channel.exchange_declare(name, exchange_type="fanout", durable=True)
    yield name, connection
    if connection.is_open:
        connection.close()
    cleanup = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    cleanup.channel().exchange_delete(name)
    cleanup.close()


def messages(numbers):
    props = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    return [(json.dumps({"n": n}).encode(), props) for n in numbers]


def test_batches_arrive_whole_and_in_order(exchange):
    name, connection = exchange
    tap = Tap(name)
    try:
        publisher = BatchPublisher(connection.channel(), name)
        publisher.publish_batch(messages(range(0, 50)))
        publisher.publish_batch(messages([50]))
        publisher.publish_batch(messages(range(51, 171)))
        assert publisher._pending == set()  # every confirm came back before each return
        got = [json.loads(body)["n"] for _, body in tap.drain(171)]
        assert got == list(range(171))
    finally:
        tap.connection.close()


def test_a_nack_reports_how_many_leading_messages_were_acked(exchange):
    name, connection = exchange
    channel = connection.channel()
    # A full queue that refuses publishes makes the broker nack (the fault, observed below).
    queue = channel.queue_declare(
        "", exclusive=True, arguments={"x-max-length": 4, "x-overflow": "reject-publish"}
    ).method.queue
    channel.queue_bind(queue, name)
    publisher = BatchPublisher(connection.channel(), name)
    with pytest.raises(BatchNacked) as nacked:
        publisher.publish_batch(messages(range(10)))
    assert nacked.value.confirmed == 4
    assert channel.queue_declare(queue, passive=True).method.message_count == 4
    # The channel stays usable: the next batch is confirmed (or nacked) on its own.
    channel.queue_purge(queue)
    publisher.publish_batch(messages(range(3)))
