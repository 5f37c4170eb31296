// The Node.js peer for make bench: Socket.IO 4.8 + amqplib doing the gateway's fan-out job
// the plain way. One exclusive server-named queue on the fanout exchange; each envelope is
// parsed and emitted as `event` to the rooms of its channels (one send per client even when
// it is in several); `subscribe` {channel} joins public: rooms and acks {ok, channel}.
// Env: PORT, AMQP_URL, EVENTS_EXCHANGE. GET /healthz answers 200 once the queue is bound.
"use strict";

const http = require("http");
const amqp = require("amqplib");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 9100);
const exchange = process.env.EVENTS_EXCHANGE || "todo.events";
let ready = false;

const httpServer = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(ready ? 200 : 503, { "Content-Type": "application/json" });
    return res.end(JSON.stringify({ ok: ready }));
  }
  res.writeHead(404).end();
});
const io = new Server(httpServer, { cors: { origin: true }, transports: ["websocket", "polling"] });

io.on("connection", (socket) => {
  socket.on("subscribe", (msg, ack) => {
    const channel = msg && msg.channel;
    const ok = typeof channel === "string" && /^public:[a-z0-9_.-]{1,64}$/.test(channel);
    if (ok) socket.join(channel);
    if (typeof ack === "function") {
      ack(ok ? { ok: true, channel } : { ok: false, error: { code: "forbidden", message: "public channels only" } });
    }
  });
  socket.on("unsubscribe", (msg, ack) => {
    if (msg && msg.channel) socket.leave(msg.channel);
    if (typeof ack === "function") ack({ ok: true });
  });
});

async function consume() {
  const conn = await amqp.connect(process.env.AMQP_URL || "amqp://guest:guest@127.0.0.1:5672/%2F");
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, "fanout", { durable: true });
  const { queue } = await ch.assertQueue("", { exclusive: true });
  await ch.bindQueue(queue, exchange, "");
  await ch.prefetch(100);
  await ch.consume(queue, (msg) => {
    try {
      const envelope = JSON.parse(msg.content.toString());
      if (Array.isArray(envelope.channels) && envelope.channels.length) {
        io.to(envelope.channels).emit("event", envelope);
      }
    } catch (e) {
      console.error(JSON.stringify({ level: "warning", message: "bad message", error: String(e) }));
    }
    ch.ack(msg);
  });
  ready = true;
}

httpServer.listen(port, "127.0.0.1", () => {
  consume().catch((e) => { console.error(String(e.stack)); process.exit(1); });
});
process.on("SIGTERM", () => { io.close(); process.exit(0); });
