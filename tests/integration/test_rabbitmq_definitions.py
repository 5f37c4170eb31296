"""``infra/rabbitmq/definitions.json`` imported into the running RabbitMQ, then checked.

``rabbitmqctl import_definitions`` has no vhost option, so the test renders the users with
the compose broker's own script (``render-definitions.sh``), rewrites the vhost and the
user names in a temporary copy, imports that into a scratch vhost, and checks there what
``rabbitmqctl list_*`` reports. Then it connects as each renamed service user and runs the
services' own declarations (``todo_shared.amqp.Topology``), which proves the arguments
match (no PRECONDITION_FAILED) and the permissions suffice, and shows what each user may
not do. The scratch vhost and the users are removed afterwards, also when a test fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pika
import pytest
from gateway.adapters.presence_feed import declare_presence_queue, presence_exchange
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker, ProbableAuthenticationError
from todo_shared.amqp import ConfirmingPublisher, Topology, properties_for

from tests.support.stack import AMQP_URL

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RABBITMQ_DIR = REPO / "infra" / "rabbitmq"
SERVICES = ("admin", "relay", "projector", "gateway")
TOPOLOGY = Topology(exchange="todo.events", projector_queue="projector.read-models")
PRESENCE = presence_exchange(TOPOLOGY.exchange)
ACCESS_REFUSED = 403


def rabbitmqctl(
    *args: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("rabbitmqctl")
    assert exe, "rabbitmqctl is not on PATH: these checks need the local RabbitMQ's CLI"
    result = subprocess.run(
        [exe, "-q", *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    if check:
        assert result.returncode == 0, f"rabbitmqctl {' '.join(args)}: {result.stderr}"
    return result


def rabbitmqctl_json(*args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        rabbitmqctl(*args, "--formatter", "json").stdout or "[]"
    )
    return rows


def render(env: dict[str, str], output: Path) -> subprocess.CompletedProcess[str]:
    script = RABBITMQ_DIR / "render-definitions.sh"
    return subprocess.run(
        ["bash", str(script), str(RABBITMQ_DIR / "definitions.json"), str(output)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def password_env(passwords: dict[str, str]) -> dict[str, str]:
    return {f"RABBITMQ_{name.upper()}_PASSWORD": value for name, value in passwords.items()}


@dataclass
class Scratch:
    """The imported copy: its vhost, renamed users and their passwords."""

    vhost: str
    users: dict[str, str]  # service -> renamed user
    passwords: dict[str, str]  # service -> password

    def connect(self, service: str, password: str | None = None) -> pika.BlockingConnection:
        parts = urlsplit(AMQP_URL)
        params = pika.ConnectionParameters(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5672,
            virtual_host=self.vhost,
            credentials=pika.PlainCredentials(
                self.users[service], password or self.passwords[service]
            ),
            connection_attempts=1,
            socket_timeout=5,
            blocked_connection_timeout=30,
        )
        return pika.BlockingConnection(params)


def rewrite(definitions: dict[str, Any], vhost: str, users: dict[str, str]) -> dict[str, Any]:
    """The same definitions in ``vhost``, with every user renamed as ``users`` says."""
    copy = json.loads(json.dumps(definitions))
    assert [v["name"] for v in copy["vhosts"]] == ["/"], "definitions name one vhost: /"
    copy["vhosts"] = [{"name": vhost}]
    for section in ("permissions", "exchanges", "queues", "bindings", "policies"):
        for item in copy.get(section, []):
            assert item["vhost"] == "/", f"{section}: {item}"
            item["vhost"] = vhost
    for user in copy["users"]:
        user["name"] = users[user["name"]]
    for permission in copy["permissions"]:
        permission["user"] = users[permission["user"]]
    return copy


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    run_id = uuid.uuid4().hex[:10]
    scratch = Scratch(
        vhost=f"test-definitions-{run_id}",
        users={name: f"test-{run_id}-{name}" for name in SERVICES},
        passwords={name: secrets.token_urlsafe(24) for name in SERVICES},
    )
    workdir = tmp_path_factory.mktemp("rabbitmq-definitions")
    rendered = workdir / "rendered.json"
    result = render(password_env(scratch.passwords), rendered)
    assert result.returncode == 0, result.stderr
    definitions = rewrite(json.loads(rendered.read_text()), scratch.vhost, scratch.users)
    rendered.unlink()
    try:
        # from stdin: the CLI may run as the broker's user, who cannot read our temp dir
        rabbitmqctl("import_definitions", "--format", "json", stdin=json.dumps(definitions))
        yield scratch
    finally:
        # Whatever the import got to, take it all away again.
        problems = []
        for args in (
            ("delete_vhost", scratch.vhost),
            *(("delete_user", user) for user in scratch.users.values()),
        ):
            result = rabbitmqctl(*args, check=False)
            if result.returncode != 0 and "does not exist" not in result.stderr + result.stdout:
                problems.append(f"rabbitmqctl {' '.join(args)}: {result.stderr.strip()}")
        assert not problems, problems


# -- the committed file and its rendering ------------------------------------------------


def test_committed_definitions_hold_no_user_or_password() -> None:
    text = (RABBITMQ_DIR / "definitions.json").read_text()
    definitions = json.loads(text)
    assert definitions["users"] == []
    assert "password" not in text
    assert "guest" not in text


@pytest.mark.parametrize(
    ("gateway_password", "message"),
    [
        ("", "RABBITMQ_GATEWAY_PASSWORD is not set"),
        ("short-0123", "at least 16 characters"),
        ("has space 0123456789", "at least 16 characters"),
        ("needs%encoding0123456", "at least 16 characters"),
    ],
)
def test_rendering_refuses_a_missing_or_unusable_password(
    tmp_path: Path, gateway_password: str, message: str
) -> None:
    passwords = {name: secrets.token_urlsafe(24) for name in SERVICES}
    passwords["gateway"] = gateway_password
    output = tmp_path / "out.json"
    result = render(password_env(passwords), output)
    assert result.returncode != 0
    assert message in result.stderr
    assert not output.exists()


def test_rendered_users_carry_hashes_not_passwords(tmp_path: Path) -> None:
    passwords = {name: secrets.token_urlsafe(24) for name in SERVICES}
    output = tmp_path / "out.json"
    assert render(password_env(passwords), output).returncode == 0
    text = output.read_text()
    assert not any(password in text for password in passwords.values())
    users = {user["name"]: user for user in json.loads(text)["users"]}
    assert sorted(users) == sorted(SERVICES)
    assert users["admin"]["tags"] == "administrator"
    assert all(users[name]["tags"] == "" for name in ("relay", "projector", "gateway"))
    assert oct(output.stat().st_mode & 0o777) == "0o600"


# -- what the broker reports after the import --------------------------------------------


def test_exchanges(scratch: Scratch) -> None:
    rows = rabbitmqctl_json(
        "list_exchanges",
        "-p",
        scratch.vhost,
        "name",
        "type",
        "durable",
        "auto_delete",
        "internal",
        "arguments",
    )
    ours = {row["name"]: row for row in rows if row["name"].startswith("todo.")}
    expected = {"type": "fanout", "durable": True, "auto_delete": False, "internal": False}
    assert sorted(ours) == ["todo.events", "todo.events.dlx", "todo.events.presence"]
    for name, row in ours.items():
        assert {key: row[key] for key in expected} == expected, name
        assert not row["arguments"], name


def queue_arguments(row: dict[str, Any]) -> dict[str, Any]:
    # rabbitmqctl's JSON shows AMQP tables as [key, type, value] triples
    arguments = row["arguments"]
    if isinstance(arguments, dict):
        return arguments
    return {item[0]: item[-1] for item in arguments}


def test_queues_have_the_arguments_the_services_declare(scratch: Scratch) -> None:
    rows = rabbitmqctl_json(
        "list_queues", "-p", scratch.vhost, "name", "durable", "auto_delete", "arguments", "type"
    )
    queues = {row["name"]: row for row in rows}
    assert sorted(queues) == ["projector.read-models", "todo.events.dead"]
    projector = queues["projector.read-models"]
    assert queue_arguments(projector) == TOPOLOGY.projector_queue_arguments()
    assert queue_arguments(queues["todo.events.dead"]) == {"x-queue-type": "quorum"}
    for row in queues.values():
        assert row["durable"] is True and row["auto_delete"] is False
        assert row["type"] == "quorum"


def test_bindings(scratch: Scratch) -> None:
    rows = rabbitmqctl_json(
        "list_bindings",
        "-p",
        scratch.vhost,
        "source_name",
        "destination_name",
        "destination_kind",
        "routing_key",
    )
    bindings = {
        (row["source_name"], row["destination_name"], row["destination_kind"], row["routing_key"])
        for row in rows
        if row["source_name"]  # the default exchange's implicit bindings
    }
    assert bindings == {
        ("todo.events", "projector.read-models", "queue", ""),
        ("todo.events.dlx", "todo.events.dead", "queue", ""),
    }


def test_permissions_are_one_user_per_service(scratch: Scratch) -> None:
    rows = rabbitmqctl_json("list_permissions", "-p", scratch.vhost)
    permissions = {row["user"]: (row["configure"], row["write"], row["read"]) for row in rows}
    users = scratch.users
    assert permissions == {
        users["admin"]: (".*", ".*", ".*"),
        users["relay"]: (r"^todo\.events$", r"^todo\.events$", "^$"),
        users["projector"]: (
            r"^(todo\.events|todo\.events\.dlx|todo\.events\.dead|projector\.read-models)$",
            r"^(todo\.events\.dlx|todo\.events\.dead|projector\.read-models)$",
            r"^(todo\.events|todo\.events\.dlx|projector\.read-models)$",
        ),
        users["gateway"]: (
            r"^(todo\.events|todo\.events\.presence|amq\.gen-.*)$",
            r"^(todo\.events\.presence|amq\.gen-.*)$",
            r"^(todo\.events|todo\.events\.presence|amq\.gen-.*)$",
        ),
    }
    tags = {row["user"]: row["tags"] for row in rabbitmqctl_json("list_users")}
    assert tags[users["admin"]] == ["administrator"]
    assert all(tags[users[name]] == [] for name in ("relay", "projector", "gateway"))


def test_policy_caps_gateway_backlogs(scratch: Scratch) -> None:
    rows = rabbitmqctl_json("list_policies", "-p", scratch.vhost)
    assert len(rows) == 1
    policy = rows[0]
    definition = policy["definition"]
    if isinstance(definition, str):
        definition = json.loads(definition)
    assert (policy["name"], policy["pattern"], policy["apply-to"]) == (
        "gateway-backlog-cap",
        r"^amq\.gen-",
        "queues",
    )
    assert definition == {"max-length": 50000, "overflow": "drop-head"}


# -- each service user, connected -------------------------------------------------------


def refused(
    action: Callable[[BlockingChannel], object], connection: pika.BlockingConnection
) -> int:
    """Run ``action`` on a fresh channel; return the broker's reply code when it closes it."""
    channel = connection.channel()
    with pytest.raises(ChannelClosedByBroker) as info:
        action(channel)
        channel.basic_qos(prefetch_count=1)  # a round trip, so an async refusal surfaces
    return int(info.value.reply_code)


def message() -> tuple[bytes, pika.BasicProperties]:
    """A body and the properties the services publish with (the envelope is not checked)."""
    sent = {"id": str(uuid.uuid4()), "type": "DefinitionsChecked"}
    return json.dumps(sent).encode(), properties_for(sent)


def test_services_declare_their_topology_and_messages_flow(scratch: Scratch) -> None:
    with (
        scratch.connect("projector") as projector,
        scratch.connect("gateway") as gateway,
        scratch.connect("relay") as relay,
    ):
        projector_channel = projector.channel()
        queue = TOPOLOGY.declare_projector_queue(projector_channel)
        gateway_channel = gateway.channel()
        gateway_queue = TOPOLOGY.declare_gateway_queue(gateway_channel)
        assert gateway_queue.startswith("amq.gen-")

        relay_channel = relay.channel()
        TOPOLOGY.declare_exchange(relay_channel)
        body, properties = message()
        ConfirmingPublisher(relay_channel, TOPOLOGY.exchange).publish_raw(body, properties)

        for channel, name in ((projector_channel, queue), (gateway_channel, gateway_queue)):
            method, received_properties, received = next(
                channel.consume(name, inactivity_timeout=10)
            )
            assert method is not None, f"nothing arrived in {name}"
            assert received == body and received_properties.message_id == properties.message_id
            channel.basic_ack(method.delivery_tag)
            channel.cancel()

        # The projector refuses a message by publishing it to the dead-letter exchange.
        dead, dead_properties = message()
        dead_letters = ConfirmingPublisher(projector.channel(), TOPOLOGY.dead_letter_exchange)
        dead_letters.publish_raw(dead, dead_properties)

    with scratch.connect("admin") as admin:
        channel = admin.channel()
        method, _properties, received = next(
            channel.consume(TOPOLOGY.dead_letter_queue, inactivity_timeout=10)
        )
        assert method is not None and received == dead
        channel.basic_ack(method.delivery_tag)
        channel.cancel()


def test_gateways_share_presence_through_their_own_queues(scratch: Scratch) -> None:
    with scratch.connect("gateway") as one, scratch.connect("gateway") as other:
        sender, receiver = one.channel(), other.channel()
        own = declare_presence_queue(sender, TOPOLOGY.exchange)  # as every gateway at start
        theirs = declare_presence_queue(receiver, TOPOLOGY.exchange)
        assert own.startswith("amq.gen-") and theirs.startswith("amq.gen-") and own != theirs
        sender.basic_publish(PRESENCE, "", b'{"v": 1}', pika.BasicProperties(delivery_mode=1))
        for channel, name in ((receiver, theirs), (sender, own)):  # fanout: both get it
            method, _properties, received = next(channel.consume(name, inactivity_timeout=10))
            assert method is not None and received == b'{"v": 1}'
            channel.basic_ack(method.delivery_tag)
            channel.cancel()


def test_only_gateways_touch_the_presence_exchange(scratch: Scratch) -> None:
    def bind_to_presence(channel: BlockingChannel) -> None:
        name = channel.queue_declare("", exclusive=True).method.queue
        channel.queue_bind(name, PRESENCE)

    def publish_presence(channel: BlockingChannel) -> None:
        ConfirmingPublisher(channel, PRESENCE).publish_raw(*message())

    for service in ("relay", "projector"):
        with scratch.connect(service) as connection:
            assert refused(publish_presence, connection) == ACCESS_REFUSED, service
            assert refused(bind_to_presence, connection) == ACCESS_REFUSED, service
    with scratch.connect("projector") as projector:  # the projector never sees presence
        channel = projector.channel()
        channel.queue_declare(TOPOLOGY.projector_queue, passive=True)
        assert refused(lambda ch: ch.queue_bind(TOPOLOGY.projector_queue, PRESENCE), projector) == (
            ACCESS_REFUSED
        )


def test_relay_may_only_publish_to_the_exchange(scratch: Scratch) -> None:
    with scratch.connect("relay") as relay:
        assert refused(lambda ch: ch.basic_consume(TOPOLOGY.projector_queue, print), relay) == (
            ACCESS_REFUSED
        )
        assert refused(lambda ch: ch.queue_declare("relay.own-queue"), relay) == ACCESS_REFUSED
        assert refused(lambda ch: ch.queue_declare("", exclusive=True), relay) == ACCESS_REFUSED
        assert (
            refused(
                lambda ch: ConfirmingPublisher(ch, TOPOLOGY.dead_letter_exchange).publish_raw(
                    *message()
                ),
                relay,
            )
            == ACCESS_REFUSED
        )


def test_gateway_may_only_read_its_own_queue(scratch: Scratch) -> None:
    with scratch.connect("gateway") as gateway:
        assert (
            refused(
                lambda ch: ConfirmingPublisher(ch, TOPOLOGY.exchange).publish_raw(*message()),
                gateway,
            )
            == ACCESS_REFUSED
        )
        assert refused(lambda ch: ch.basic_consume(TOPOLOGY.projector_queue, print), gateway) == (
            ACCESS_REFUSED
        )
        assert refused(lambda ch: ch.basic_consume(TOPOLOGY.dead_letter_queue, print), gateway) == (
            ACCESS_REFUSED
        )
        assert refused(lambda ch: ch.queue_declare("gateway.named"), gateway) == ACCESS_REFUSED

        def bind_to_dead_letters(channel: BlockingChannel) -> None:
            name = channel.queue_declare("", exclusive=True).method.queue
            channel.queue_bind(name, TOPOLOGY.dead_letter_exchange)

        assert refused(bind_to_dead_letters, gateway) == ACCESS_REFUSED


def test_projector_may_not_publish_events_or_read_the_dead_letters(scratch: Scratch) -> None:
    with scratch.connect("projector") as projector:
        assert (
            refused(
                lambda ch: ConfirmingPublisher(ch, TOPOLOGY.exchange).publish_raw(*message()),
                projector,
            )
            == ACCESS_REFUSED
        )
        assert (
            refused(lambda ch: ch.basic_consume(TOPOLOGY.dead_letter_queue, print), projector)
            == ACCESS_REFUSED
        )
        assert refused(lambda ch: ch.queue_declare("", exclusive=True), projector) == (
            ACCESS_REFUSED
        )


def test_a_wrong_password_is_refused(scratch: Scratch) -> None:
    with pytest.raises(ProbableAuthenticationError):
        scratch.connect("relay", password=secrets.token_urlsafe(24))
