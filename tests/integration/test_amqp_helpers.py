"""The shared AMQP helpers against the real broker."""

import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime

import pika
import pytest
from todo_shared.amqp import ConfirmingPublisher, Topology, connect, run_consumer
from todo_shared.envelope import EnvelopeError, build_envelope, parse_message

from tests.support.stack import AMQP_URL
from tests.support.waiting import wait_for


@pytest.fixture
def topology():
    names = Topology(f"todo.events.t{uuid.uuid4().hex[:8]}", f"projector.t{uuid.uuid4().hex[:8]}")
    yield names
    conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    ch = conn.channel()
    ch.queue_delete(names.projector_queue)
    ch.queue_delete(names.dead_letter_queue)
    ch.exchange_delete(names.exchange)
    ch.exchange_delete(names.dead_letter_exchange)
    conn.close()


def event(n):
    return build_envelope(
        event_type="NewsPublished",
        stream="news-1",
        version=n,
        data={"n": n},
        channels=["public:news"],
        metadata={"source": "tests"},
        occurred_at=datetime.now(UTC),
    )


def consume_in_thread(topology, received, stop, batches=None, gather_seconds=0.0):
    def handle(channel, batch):
        for delivery in batch:
            received.append(parse_message(delivery.body)["data"]["n"])
        if batches is not None:
            batches.append(len(batch))

    thread = threading.Thread(
        target=run_consumer,
        kwargs=dict(
            url=AMQP_URL,
            name="test-consumer",
            setup=topology.declare_projector_queue,
            handle=handle,
            should_stop=stop.is_set,
            idle_timeout=0.2,
            gather_seconds=gather_seconds,
        ),
        daemon=True,
    )
    thread.start()
    return thread


def declare(topology):
    conn = connect(AMQP_URL, "test-declare")
    topology.declare_projector_queue(conn.channel())
    return conn


def test_published_event_is_confirmed_and_consumed_once(topology):
    declare(topology).close()
    conn = connect(AMQP_URL, "test-publisher")
    publisher = ConfirmingPublisher(conn.channel(), topology.exchange)
    for n in range(1, 21):
        publisher.publish(event(n))  # returns only once confirmed
    conn.close()
    received, stop = [], threading.Event()
    thread = consume_in_thread(topology, received, stop)
    wait_for(lambda: len(received) >= 20)
    time.sleep(0.5)
    stop.set()
    thread.join(10)
    assert received == list(range(1, 21))
    check = connect(AMQP_URL, "test-check")
    depth = (
        check.channel().queue_declare(topology.projector_queue, passive=True).method.message_count
    )
    check.close()
    assert depth == 0  # acked: nothing comes back


def test_consumer_reconnects_after_connections_are_closed(topology):
    declare(topology).close()
    received, stop = [], threading.Event()
    thread = consume_in_thread(topology, received, stop)
    conn = connect(AMQP_URL, "test-publisher")
    ConfirmingPublisher(conn.channel(), topology.exchange).publish(event(1))
    conn.close()
    wait_for(lambda: received == [1])

    subprocess.run(
        ["rabbitmqctl", "close_all_connections", "test"], check=True, capture_output=True
    )
    # Published while the consumer is away: kept by the durable queue.
    conn = connect(AMQP_URL, "test-publisher-2")
    publisher = ConfirmingPublisher(conn.channel(), topology.exchange)
    for n in range(2, 11):
        publisher.publish(event(n))
    conn.close()
    wait_for(lambda: len(set(received)) >= 10)
    stop.set()
    thread.join(10)
    assert sorted(set(received)) == list(range(1, 11))


def test_gathering_holds_a_short_batch_back_after_a_recent_one(topology):
    """With ``gather_seconds``, messages arriving soon after a batch wait for each other;
    the first message after a quiet start is handled alone, at once."""
    declare(topology).close()
    received, batches, stop = [], [], threading.Event()
    thread = consume_in_thread(topology, received, stop, batches, gather_seconds=3.0)
    conn = connect(AMQP_URL, "test-publisher")
    publisher = ConfirmingPublisher(conn.channel(), topology.exchange)
    publisher.publish(event(1))
    wait_for(lambda: received == [1])
    publisher.publish(event(2))
    time.sleep(0.5)  # without gathering, 2 would be handled alone meanwhile
    publisher.publish(event(3))
    conn.close()
    wait_for(lambda: len(received) >= 3)
    stop.set()
    thread.join(10)
    assert received == [1, 2, 3]
    assert batches == [1, 2]


def test_invalid_envelope_is_refused_with_a_reason(topology):
    conn = connect(AMQP_URL, "test-publisher")
    channel = conn.channel()
    topology.declare_exchange(channel)
    publisher = ConfirmingPublisher(channel, topology.exchange)
    bad = event(1)
    bad["channels"] = ["list:not-a-uuid"]
    with pytest.raises(EnvelopeError) as caught:
        publisher.publish(bad)
    assert caught.value.reason == "invalid_envelope"
    assert "channels" in caught.value.detail
    conn.close()


def test_topology_declaration_is_idempotent(topology):
    conn = connect(AMQP_URL, "test-declare")
    channel = conn.channel()
    for _ in range(2):
        topology.declare_projector_queue(channel)
    queue = channel.queue_declare(topology.projector_queue, passive=True)
    assert queue.method.queue == topology.projector_queue
    gateway_queue = topology.declare_gateway_queue(channel)
    assert gateway_queue.startswith("amq.gen-")
    conn.close()
