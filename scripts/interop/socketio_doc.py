"""The Socket.IO half of the AsyncAPI document (CONTRACT.md sections 5 and 6).

Written from the point of view of the gateway: it *receives* ``subscribe`` and
``unsubscribe`` (and replies with their acknowledgements) and *sends* ``event``,
``presence``, ``unsubscribed`` and ``disconnecting``.
"""

from __future__ import annotations

from typing import Any

SOCKET = "socket"

# Socket.IO event name → (component message name, schema under schemas/, summary)
MESSAGES: dict[str, tuple[str, str, str]] = {
    "subscribe": (
        "subscribe",
        "gateway/subscribe.schema.json",
        "Follow a channel, optionally resuming after `since`.",
    ),
    "subscribe-ack": (
        "subscribeAck",
        "gateway/subscribe-ack.schema.json",
        "{ok: true, channel, position} or {ok: false, error: {code, message}}.",
    ),
    "unsubscribe": ("unsubscribe", "gateway/unsubscribe.schema.json", "Stop following."),
    "unsubscribe-ack": ("unsubscribeAck", "gateway/unsubscribe-ack.schema.json", "{ok: true}."),
    "event": (
        "event",
        "envelope.schema.json",
        "One event, the envelope as on the exchange: a store event (with position) or "
        "another service's (without). Once per connection by id, in ascending position "
        "per channel.",
    ),
    "presence": (
        "presence",
        "gateway/presence.schema.json",
        "Who is viewing a list: channel now (state; the latest replaces earlier ones).",
    ),
    "unsubscribed": (
        "unsubscribed",
        "gateway/unsubscribed.schema.json",
        "A revocation ended a subscription.",
    ),
    "disconnecting": (
        "disconnecting",
        "gateway/disconnecting.schema.json",
        "The gateway is about to close the transport; reconnect and resume with since.",
    ),
}

CHANNEL_DESCRIPTION = (
    "Socket.IO protocol v5, namespace `/`, transports websocket and polling, path "
    "`/socket.io/`. Connect with `auth: {token}` (a realtime token from `POST "
    "/api/realtime/token`); without one the connection is anonymous (`public:*` only). A bad "
    "or expired token is refused: `connect_error` with `err.message === 'invalid_token'` and "
    "`err.data` = `{code: 'invalid_token'}` (schemas/gateway/connect-error.schema.json). "
    "Each message's `name` is the Socket.IO event name; acknowledgements are the replies of "
    "the operations. A connection that holds a `list:` subscription under a user's token is "
    "present on that list (CONTRACT.md section 6). The JavaScript client `clients/js` "
    "implements all of it."
)


def _message(event: str) -> dict[str, Any]:
    _key, schema, summary = MESSAGES[event]
    message: dict[str, Any] = {"title": event, "summary": summary}
    if not event.endswith("-ack"):  # an acknowledgement has no event name of its own
        message["name"] = event
    message.update(contentType="application/json", payload={"$ref": f"../schemas/{schema}"})
    return message


def socket_channels() -> dict[str, Any]:
    return {
        SOCKET: {
            "address": "/",
            "title": "The gateway's Socket.IO namespace",
            "description": CHANNEL_DESCRIPTION,
            "servers": [{"$ref": "#/servers/gateway"}],
            "messages": {
                key: {"$ref": f"#/components/messages/{key}"} for key, _s, _d in MESSAGES.values()
            },
        }
    }


def _msg(key: str) -> dict[str, str]:
    return {"$ref": f"#/channels/{SOCKET}/messages/{key}"}


def _channel() -> dict[str, str]:
    return {"$ref": f"#/channels/{SOCKET}"}


def socket_operations() -> dict[str, Any]:
    return {
        "clientSubscribes": {
            "action": "receive",
            "channel": _channel(),
            "summary": "subscribe {channel, since?, token?}, acknowledged.",
            "description": (
                "A channel is allowed if it is `public:*` or listed in a valid token the "
                "connection presented (at connect or with a subscribe). With `since`, every "
                "store event of the channel after it comes first, in order, then the ack "
                "(its `position` is where the subscription is complete), then live events. "
                "Refusal codes: `bad_request`, `forbidden`, `token_expired`, `rate_limited`, "
                "`unavailable` (the last two: try again later). A subscribe for a channel "
                "already held with a fresh `token` renews the token."
            ),
            "messages": [_msg("subscribe")],
            "reply": {"channel": _channel(), "messages": [_msg("subscribeAck")]},
        },
        "clientUnsubscribes": {
            "action": "receive",
            "channel": _channel(),
            "summary": "unsubscribe {channel}, acknowledged with {ok: true}.",
            "messages": [_msg("unsubscribe")],
            "reply": {"channel": _channel(), "messages": [_msg("unsubscribeAck")]},
        },
        "gatewaySendsEvent": {
            "action": "send",
            "channel": _channel(),
            "summary": "Server event `event`: an envelope of a subscribed channel.",
            "messages": [_msg("event")],
        },
        "gatewaySendsPresence": {
            "action": "send",
            "channel": _channel(),
            "summary": "Server event `presence`: after each list: subscribe ack, then on "
            "change, at least 250 ms apart per channel and connection.",
            "messages": [_msg("presence")],
        },
        "gatewaySendsUnsubscribed": {
            "action": "send",
            "channel": _channel(),
            "summary": "Server event `unsubscribed` {channel, reason: 'revoked'}.",
            "messages": [_msg("unsubscribed")],
        },
        "gatewaySendsDisconnecting": {
            "action": "send",
            "channel": _channel(),
            "summary": "Server event `disconnecting` {code: 'slow_consumer' | "
            "'server_shutdown', message}.",
            "messages": [_msg("disconnecting")],
        },
    }


def socket_messages() -> dict[str, Any]:
    return {key: _message(event) for event, (key, _s, _d) in MESSAGES.items()}
