// Publish one event of another service (CONTRACT.md §3, docs/asyncapi.yaml operation
// servicePublishesEvent) to the events exchange, validated first with the shipped schemas.
//
//   node publish.js public:news                 a valid AnnouncementPosted
//   node publish.js public:news --invalid       one naming a list: channel: the schema says
//                                               why; published anyway to show the refusal
//
// Environment: AMQP_URL (amqp://guest:guest@localhost:5672/%2F), EVENTS_EXCHANGE
// (todo.events), GATEWAY_URL (optional: then the gateway's drop counter is shown).
// Prints one JSON object per line.
import { randomUUID } from "node:crypto";
import amqp from "amqplib";
import { describeErrors, loadSchemas } from "./schemas.js";

const AMQP_URL = process.env.AMQP_URL || "amqp://guest:guest@localhost:5672/%2F";
const EXCHANGE = process.env.EVENTS_EXCHANGE || "todo.events";
const SOURCE = "node-publisher";
const MAX_BYTES = 64 * 1024; // the body's UTF-8 bytes

const [channel = "public:news", flag] = process.argv.slice(2);
const invalid = flag === "--invalid";
const print = (line) => console.log(JSON.stringify(line));

function envelope() {
  const id = randomUUID();
  return {
    id,
    type: "AnnouncementPosted", // not one of the store's types: those are reserved
    schema_version: 1, // versions this type's envelope + data
    stream: `announcement-${id}`, // the publisher's own stream; consumers do not order by it
    version: 1,
    occurred_at: new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"),
    // Only the store speaks for lists: a list: channel without position is refused.
    channels: invalid ? [`list:${randomUUID()}`] : [channel],
    data: { text: invalid ? "this one is refused" : "hello from Node" },
    metadata: { source: SOURCE, correlation_id: randomUUID() },
  };
}

async function drops(reason) {
  if (!process.env.GATEWAY_URL) return null;
  const text = await (await fetch(`${process.env.GATEWAY_URL}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`gateway_dropped_events_total{reason="${reason}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

const event = envelope();
const body = Buffer.from(JSON.stringify(event), "utf8");
const validate = loadSchemas().validator("service-event.schema.json");
const valid = validate(event) && body.length <= MAX_BYTES;
print({ kind: "validated", id: event.id, valid, errors: describeErrors(validate.errors) });
if (!valid && !invalid) process.exit(1);

const connection = await amqp.connect(AMQP_URL);
try {
  const ch = await connection.createConfirmChannel(); // publisher confirms
  await ch.checkExchange(EXCHANGE); // passive: the exchange is the system's, never redeclared
  const before = invalid ? await drops("not_from_store") : null;
  ch.publish(EXCHANGE, "", body, {
    persistent: true, // delivery_mode 2
    contentType: "application/json",
    messageId: event.id,
    type: event.type,
    timestamp: Math.floor(Date.now() / 1000),
    appId: SOURCE,
  });
  await ch.waitForConfirms(); // rejects on a nack: publish again with the same id
  print({ kind: "published", id: event.id, exchange: EXCHANGE, confirmed: true });
  if (invalid && before !== null) {
    // What the publisher can see of the refusal: the gateway's counter goes up (and it logs
    // {"msg": "message refused", "reason": "not_from_store", "message_id": <id>}).
    const deadline = Date.now() + 30000;
    let after = before;
    while (after <= before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await drops("not_from_store");
    }
    print({ kind: "refused", id: event.id, metric: 'gateway_dropped_events_total{reason="not_from_store"}', before, after });
  }
  await ch.close();
} finally {
  await connection.close();
}
