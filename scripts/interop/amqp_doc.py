"""The AMQP half of the AsyncAPI document: exchanges, queues, store and service events."""

from __future__ import annotations

from typing import Any

from interop.registry import load_schema, max_message_bytes, store_event_types

AMQP = "0.3.0"  # AsyncAPI AMQP bindings version
EVENTS = "todo.events"
REFUSALS = ("too_large", "not_json", "invalid_envelope", "invalid_data", "not_from_store")

PROPERTIES = (
    "AMQP properties. Required: `delivery_mode` 2 (persistent), `content_type` "
    "`application/json`, `message_id` = the envelope's `id`, `type` = the envelope's `type` "
    "(consumers log and dead-letter by them; the body alone is validated). Advised: "
    "`timestamp`, `app_id` = `metadata.source`. Routing key: empty (the exchange is fanout "
    "and ignores it). No headers are needed."
)
LIMIT = (
    f"Size: the body (the UTF-8 JSON bytes, properties and headers not counted) may be at "
    f"most {max_message_bytes()} bytes (64 KiB); a larger one is refused as `too_large`."
)


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(parts)}


def _exchange(name: str, durable: bool | None = True) -> dict[str, Any]:
    exchange: dict[str, Any] = {"name": name, "type": "fanout", "vhost": "/"}
    if durable is not None:
        exchange.update(durable=durable, autoDelete=False)
    return {"amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": AMQP}}


def _queue(name: str, exclusive: bool = False, durable: bool = True) -> dict[str, Any]:
    queue = {"name": name, "durable": durable, "exclusive": exclusive, "autoDelete": exclusive}
    return {"amqp": {"is": "queue", "queue": {**queue, "vhost": "/"}, "bindingVersion": AMQP}}


def store_message(event_type: str) -> dict[str, Any]:
    data = load_schema(f"data/{event_type}.schema.json")
    return {
        "name": event_type,
        "title": event_type,
        "summary": data.get("description", ""),
        "description": "Published by the outbox relay with AMQP properties `delivery_mode` 2 "
        "(persistent), `content_type` `application/json`, `message_id` = `id`, `type` = "
        f"`{event_type}`; in ascending `position`, at least once (consumers de-duplicate by "
        "`id` and `position`).",
        "contentType": "application/json",
        "payload": {"$ref": f"../schemas/events/{event_type}.schema.json"},
        "bindings": {"amqp": {"messageType": event_type, "bindingVersion": AMQP}},
    }


def service_message() -> dict[str, Any]:
    return {
        "name": "ServiceEvent",
        "title": "An event of another service",
        "summary": "Another service's own event type, live-only: broadcast by the gateway, "
        "never stored, never replayed; the projector ignores types it does not know.",
        "description": (
            "The envelope without `position`. Beyond the schema: the type names of the store "
            f"({', '.join(store_event_types())}) are reserved; channels may only be "
            "`public:<name>` or `user:<id>` (an event without position naming a `list:` "
            "channel is refused); a foreign event may not carry `position`. `stream` is the "
            "publisher's own stream or aggregate name (e.g. `billing-invoice-42`), `version` "
            "its 1-based position in that stream (1 if the publisher has no streams); "
            "consumers neither order nor de-duplicate by them — de-duplication is by `id`. "
            "`metadata.source` is the publishing service's name (required); `actor` the user "
            "id that caused it, `correlation_id`/`causation_id` for tracing (optional). "
            "`schema_version` versions the envelope together with the type's `data`: a "
            "breaking change to either bumps it. " + PROPERTIES + " " + LIMIT
        ),
        "contentType": "application/json",
        "payload": {"$ref": "../schemas/service-event.schema.json"},
    }


def dead_letter_message() -> dict[str, Any]:
    reasons = ", ".join(f"`{r}`" for r in REFUSALS)
    return {
        "name": "DeadLetter",
        "title": "A message the projector refused",
        "summary": "The original body and properties, with headers saying why.",
        "description": f"Refusals of a publisher's message: {reasons}. Inspect, republish or "
        "discard with `python -m projector dead-letters list|republish|discard`.",
        "headers": {
            "type": "object",
            "required": ["x-dead-letter-reason", "x-dead-letter-detail"],
            "properties": {
                "x-dead-letter-reason": {
                    "type": "string",
                    "description": f"a publisher's refusal ({', '.join(REFUSALS)}), or the "
                    "projector's own: unknown_position, conflicts_with_store, apply_failed",
                },
                "x-dead-letter-detail": {"type": "string", "maxLength": 1000},
                "x-dead-lettered-by": {"type": "string", "const": "projector"},
                "x-dead-lettered-at": {"type": "string", "format": "date-time"},
            },
        },
        "payload": {"description": "the refused message's body, as it was (maybe not JSON)"},
    }


def presence_exchange_message() -> dict[str, Any]:
    return {
        "name": "PresenceAnnouncement",
        "title": "Presence between gateways",
        "summary": "The gateways' own format (CONTRACT.md section 6), documented in "
        "docs/gateway.md; nothing else consumes it and the projector never sees it. "
        "Non-durable messages.",
        "contentType": "application/json",
        "payload": {"type": "object"},
    }


def amqp_channels() -> dict[str, Any]:
    store = {t: _ref("components", "messages", t) for t in store_event_types()}
    everything = {**store, "ServiceEvent": _ref("components", "messages", "ServiceEvent")}
    dead = {"DeadLetter": _ref("components", "messages", "DeadLetter")}
    return {
        "events": {
            "address": EVENTS,
            "title": "The events exchange",
            "description": (
                "Fanout exchange (durable) that every event goes to: the store's, published "
                "by the outbox relay in ascending position, at least once, none skipped; "
                "and other services' own events. Its name follows `EVENTS_EXCHANGE`. A "
                "publisher may declare it, with exactly these properties (fanout, durable, "
                "not auto-delete, no arguments: a mismatch closes the channel with 406 "
                "PRECONDITION_FAILED); a passive declare is the safer check. It never "
                "declares the dead-letter exchange or the queues, which are the projector's. "
                "Publisher confirms are advised: publish, wait for the broker's ack, and on a "
                "nack or a timeout publish again with the same `id` (consumers de-duplicate)."
            ),
            "servers": [_ref("servers", "broker")],
            "messages": everything,
            "bindings": _exchange(EVENTS),
        },
        "projectorQueue": {
            "address": "projector.read-models",
            "title": "The projector's queue",
            "description": "Quorum queue bound to the events exchange, dead-lettering to "
            f"`{EVENTS}.dlx` (`x-delivery-limit` 20). Follows `PROJECTOR_QUEUE`.",
            "servers": [_ref("servers", "broker")],
            "messages": everything,
            "bindings": _queue("projector.read-models"),
        },
        "gatewayQueue": {
            "address": None,
            "title": "One queue per gateway",
            "description": "Exclusive, server-named (`amq.gen-*`) queue per gateway process, "
            "bound to the events exchange.",
            "servers": [_ref("servers", "broker")],
            "messages": everything,
            "bindings": _queue("amq.gen-*", exclusive=True, durable=False),
        },
        "deadLetterExchange": {
            "address": f"{EVENTS}.dlx",
            "title": "The dead-letter exchange",
            "description": "Fanout exchange (durable) the projector sends refused messages to.",
            "servers": [_ref("servers", "broker")],
            "messages": dead,
            "bindings": _exchange(f"{EVENTS}.dlx"),
        },
        "deadLetters": {
            "address": f"{EVENTS}.dead",
            "title": "The dead-letter queue",
            "description": f"Quorum queue bound to `{EVENTS}.dlx`; operators read it.",
            "servers": [_ref("servers", "broker")],
            "messages": dead,
            "bindings": _queue(f"{EVENTS}.dead"),
        },
        "presence": {
            "address": f"{EVENTS}.presence",
            "title": "Presence between gateways",
            "description": "Fanout exchange declared by every gateway at start-up; each "
            "gateway binds its own exclusive server-named queue to it.",
            "servers": [_ref("servers", "broker")],
            "messages": {
                "PresenceAnnouncement": _ref("components", "messages", "PresenceAnnouncement")
            },
            "bindings": _exchange(f"{EVENTS}.presence", durable=None),
        },
    }


def amqp_operations() -> dict[str, Any]:
    persistent = {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP}}
    acked = {"amqp": {"ack": True, "bindingVersion": AMQP}}

    def msgs(channel: str, names: list[str]) -> list[dict[str, str]]:
        return [_ref("channels", channel, "messages", n) for n in names]

    store = store_event_types()
    return {
        "relayPublishesStoreEvents": {
            "action": "send",
            "channel": _ref("channels", "events"),
            "summary": "The outbox relay publishes every store event, with publisher confirms.",
            "messages": msgs("events", store),
            "bindings": persistent,
        },
        "servicePublishesEvent": {
            "action": "send",
            "channel": _ref("channels", "events"),
            "summary": "Another service publishes its own live-only event.",
            "description": PROPERTIES + " " + LIMIT,
            "messages": msgs("events", ["ServiceEvent"]),
            "bindings": persistent,
        },
        "projectorConsumes": {
            "action": "receive",
            "channel": _ref("channels", "projectorQueue"),
            "summary": "The projector applies store events; refuses invalid messages.",
            "messages": msgs("projectorQueue", [*store, "ServiceEvent"]),
            "bindings": acked,
        },
        "gatewayConsumes": {
            "action": "receive",
            "channel": _ref("channels", "gatewayQueue"),
            "summary": "Each gateway passes events on to its Socket.IO clients.",
            "description": 'A refused message is logged (`msg` "message refused" with '
            "`reason`, `detail`, `message_id`), counted in `gateway_dropped_events_total{reason}` "
            "and dropped.",
            "messages": msgs("gatewayQueue", [*store, "ServiceEvent"]),
            "bindings": acked,
        },
        "projectorDeadLetters": {
            "action": "send",
            "channel": _ref("channels", "deadLetterExchange"),
            "summary": "The projector dead-letters what it refuses, with the reason.",
            "messages": msgs("deadLetterExchange", ["DeadLetter"]),
        },
        "operatorReadsDeadLetters": {
            "action": "receive",
            "channel": _ref("channels", "deadLetters"),
            "summary": "Operators inspect or replay dead letters.",
            "messages": msgs("deadLetters", ["DeadLetter"]),
        },
        "gatewaysSharePresence": {
            "action": "send",
            "channel": _ref("channels", "presence"),
            "summary": "Each gateway tells the others who is present on its connections.",
            "messages": msgs("presence", ["PresenceAnnouncement"]),
        },
        "gatewaysFollowPresence": {
            "action": "receive",
            "channel": _ref("channels", "presence"),
            "summary": "Each gateway merges the others' presence.",
            "messages": msgs("presence", ["PresenceAnnouncement"]),
        },
    }


def amqp_messages() -> dict[str, Any]:
    messages = {t: store_message(t) for t in store_event_types()}
    messages["ServiceEvent"] = service_message()
    messages["DeadLetter"] = dead_letter_message()
    messages["PresenceAnnouncement"] = presence_exchange_message()
    return messages
