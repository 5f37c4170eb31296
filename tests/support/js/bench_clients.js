// Benchmark clients for bench/gateway_bench.py: N official socket.io-client v4 connections
// subscribed to one public channel. Each event's data.t (publisher wall clock, seconds) gives
// the broker -> client latency. Prints {"kind":"ready"} when all are subscribed, then one
// summary line when `expect` events reached every client or the time limit passed.
"use strict";

const { io } = require("socket.io-client");

const opts = JSON.parse(process.argv[2]); // {url, clients, channel, expect, timeoutMs}
const latencies = [];
let delivered = 0;
let subscribed = 0;
let firstAt = null;
let lastAt = null;
const sockets = [];

const summary = (kind) => {
  latencies.sort((a, b) => a - b);
  const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  process.stdout.write(JSON.stringify({
    kind, delivered, expected: opts.expect * opts.clients,
    p50_ms: pick(0.5), p99_ms: pick(0.99), max_ms: latencies[latencies.length - 1],
    first_ms: firstAt, last_ms: lastAt,
  }) + "\n");
  sockets.forEach((s) => s.close());
  setTimeout(() => process.exit(0), 100);
};

setTimeout(() => summary("timeout"), opts.timeoutMs || 120000);

for (let i = 0; i < opts.clients; i++) {
  const socket = io(opts.url, { transports: ["websocket"], forceNew: true, reconnection: false });
  sockets.push(socket);
  socket.on("connect", async () => {
    const ack = await socket.timeout(60000).emitWithAck("subscribe", { channel: opts.channel });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    subscribed += 1;
    if (subscribed === opts.clients) process.stdout.write('{"kind":"ready"}\n');
  });
  socket.on("event", (envelope) => {
    const now = Date.now();
    latencies.push(now - envelope.data.t * 1000);
    delivered += 1;
    if (firstAt === null) firstAt = now;
    lastAt = now;
    if (delivered === opts.expect * opts.clients) summary("done");
  });
}
