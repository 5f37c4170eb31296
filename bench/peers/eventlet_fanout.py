"""The stock python-socketio peer for make bench: eventlet + pika, the fan-out job plainly.

One exclusive server-named queue on the fanout exchange, read by a green thread; every
envelope is parsed and emitted as ``event`` to the rooms of its channels (python-socketio
sends once per client even when it is in several rooms); ``subscribe`` joins public: rooms.
Env: PORT, AMQP_URL, EVENTS_EXCHANGE. ``GET /healthz`` answers 200 once the queue is bound.
"""

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402

import pika  # noqa: E402
import socketio  # noqa: E402

PUBLIC = re.compile(r"^public:[a-z0-9_.-]{1,64}$")
sio = socketio.Server(async_mode="eventlet", cors_allowed_origins="*")
state = {"ready": False}


@sio.on("subscribe")
def subscribe(sid, message):
    channel = (message or {}).get("channel")
    if not isinstance(channel, str) or not PUBLIC.match(channel):
        return {"ok": False, "error": {"code": "forbidden", "message": "public channels only"}}
    sio.enter_room(sid, channel)
    return {"ok": True, "channel": channel}


@sio.on("unsubscribe")
def unsubscribe(sid, message):
    sio.leave_room(sid, (message or {}).get("channel", ""))
    return {"ok": True}


def consume() -> None:
    exchange = os.environ.get("EVENTS_EXCHANGE", "todo.events")
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.exchange_declare(exchange, exchange_type="fanout", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, exchange)
    channel.basic_qos(prefetch_count=100)

    def on_message(ch, method, _props, body):
        try:
            envelope = json.loads(body)
            rooms = envelope.get("channels") or []
            if rooms:
                sio.emit("event", envelope, to=rooms)
        except ValueError as exc:
            print(json.dumps({"level": "warning", "message": "bad message", "error": str(exc)}))
        ch.basic_ack(method.delivery_tag)

    channel.basic_consume(queue, on_message)
    state["ready"] = True
    channel.start_consuming()


def health(environ, start_response):
    status = "200 OK" if state["ready"] else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps({"ok": state["ready"]}).encode()]


def main() -> None:
    app = socketio.WSGIApp(sio, health, socketio_path="socket.io")
    sio.start_background_task(consume)
    listener = eventlet.listen(("127.0.0.1", int(os.environ.get("PORT", "9200"))), backlog=2048)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=20_000)


if __name__ == "__main__":
    main()
