// Publishes contract envelopes (about 480 bytes, like a store event) to the fanout exchange,
// as another service would (no position, a public: channel). data.t is the publish time.
"use strict";

const amqp = require("amqplib");
const crypto = require("crypto");
const { now } = require("./stats");

const PAD = "x".repeat(150);

function envelope(channel, n) {
  return {
    id: crypto.randomUUID(),
    type: "BenchTick",
    schema_version: 1,
    stream: `bench-${crypto.randomUUID()}`,
    version: 1,
    occurred_at: new Date().toISOString(),
    channels: [channel],
    data: { n, t: now(), pad: PAD },
    metadata: { source: "bench" },
  };
}

class Publisher {
  static async open({ url, exchange }) {
    const conn = await amqp.connect(url);
    // A broker that drops us (another user of the shared broker may force it) is reported,
    // not a crash: the command then times out and the driver records the scenario's error.
    conn.on("error", (e) => process.stderr.write(`amqp connection error: ${e.message}\n`));
    const ch = await conn.createChannel();
    ch.on("error", (e) => process.stderr.write(`amqp channel error: ${e.message}\n`));
    await ch.assertExchange(exchange, "fanout", { durable: true });
    return new Publisher(conn, ch, exchange);
  }

  constructor(conn, ch, exchange) {
    Object.assign(this, { conn, ch, exchange });
  }

  publish(channel, n) {
    const env = envelope(channel, n);
    this.ch.publish(this.exchange, "", Buffer.from(JSON.stringify(env)), {
      contentType: "application/json", persistent: true, messageId: env.id, type: env.type,
    });
  }

  async close() {
    await this.ch.close().catch(() => {});
    await this.conn.close().catch(() => {});
  }
}

module.exports = { Publisher, envelope };
