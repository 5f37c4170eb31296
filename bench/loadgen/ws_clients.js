// make bench's WebSocket load generator: many clients in one Node process, speaking the wire
// protocol directly over the `ws` package (no socket.io-client: it costs more per client than
// the servers it loads). Protocols: "socketio" (Engine.IO v4 / Socket.IO v5 text frames:
// open 0, ping 2 / pong 3, connect 40, event 42, ack 43) and "channels" (plain JSON frames,
// for the Django Channels peer).
//
// Protocol with the driver: argv[2] is a JSON config ({urls, clients, channel, token?, protocol,
// path?, amqp?, http?, tokensFile?, extraChannels?}); `tokensFile` (a JSON array, too long
// for argv) gives client i the token tokens[i % length] instead of `token`, `extraChannels` are subscribed too (socketio; the
// presence scenario's list: channel). `presence` events are counted (events, bytes). It
// prints {"kind":"ready"} once every client is subscribed to everything, then runs
// one JSON command per stdin line, printing one {"kind":"result"} line for each. Modes:
//   rate      publish `events` envelopes to the AMQP exchange at `rate`/s (loadgen/publisher.js);
//             with `churn` {channel, clients, perS}: meanwhile, perS times a second, one of
//             clients 1..`clients` unsubscribes from `channel` or subscribes again (in turn)
//   saturate  keep `inflight` events unanswered by the probe client (client 0) for `durationS`
//   e2e       POST `events` todos at `rate`/s through HTTP (loadgen/commands.js); check order
//   idle      report the open connections (the driver measures the server meanwhile)
"use strict";

const WebSocket = require("ws");
const readline = require("readline");
const { summarize, now } = require("./stats");
const { Publisher } = require("./publisher");
const { Commands } = require("./commands");

const cfg = JSON.parse(process.argv[2]);
if (cfg.tokensFile) cfg.tokens = JSON.parse(require("fs").readFileSync(cfg.tokensFile, "utf8"));
const N = cfg.clients;
const sockets = new Array(N);
let subscribed = 0;
let failures = 0;
let failureReasons = {};
let running = false;
let closed = 0;

// Per command (reset by begin()): latency samples (ms), deliveries, and the e2e checks (per
// client the highest sequence seen; missing/doubled/out-of-order counts; per event the time
// of its last delivery).
let cmd = null;
let samples = null;
let sampleCount = 0;
let delivered = 0;
let lastSeq = null;
let seen = null;
let lastAt = null;
let firstAt = null; // e2e with `trace`: per event its first delivery and envelope fields
let traced = null;
let doubled = 0;
let outOfOrder = 0;
let onProbe = null;
let onSeq = null;
let presenceEvents = 0;
let presenceBytes = 0;

function begin(command) {
  cmd = command;
  const events = command.events || 0;
  samples = new Float64Array(command.mode === "saturate" ? 1 : Math.min(N * events + 1, 50_000_000));
  sampleCount = 0;
  delivered = 0;
  failures = 0;
  failureReasons = {};
  doubled = 0;
  outOfOrder = 0;
  lastSeq = new Float64Array(N).fill(-1);
  seen = command.mode === "e2e" ? new Uint8Array(N * events) : null;
  lastAt = command.mode === "e2e" ? new Float64Array(events) : null;
  firstAt = command.mode === "e2e" ? new Float64Array(events) : null;
  traced = command.mode === "e2e" && command.trace ? new Array(events) : null;
  onProbe = null;
  onSeq = null;
  presenceEvents = 0;
  presenceBytes = 0;
  running = true;
}

const fail = (reason) => {
  failures += 1;
  failureReasons[reason] = (failureReasons[reason] || 0) + 1;
};

function deliver(i, envelope) {
  if (!running) return;
  const t = now();
  delivered += 1;
  if (cmd.mode === "saturate") {
    if (i === 0 && onProbe) onProbe();
    return;
  }
  if (cmd.mode === "e2e") {
    const seq = Number(String(envelope.data.title).split(" ")[1]);
    const sent = onSeq ? onSeq(seq) : undefined;
    if (sent === undefined) return fail("unknown_event");
    const slot = i * cmd.events + seq;
    if (seen[slot]) doubled += 1;
    seen[slot] = 1;
    // Order as the contract defines it: ascending store position (this system). The peer's
    // messages carry none, so for it the POST order stands in (stricter: POSTs overlap).
    const order = typeof envelope.position === "number" ? envelope.position : seq;
    if (order <= lastSeq[i]) outOfOrder += 1;
    lastSeq[i] = Math.max(lastSeq[i], order);
    if (t > lastAt[seq]) lastAt[seq] = t;
    if (!firstAt[seq]) {
      firstAt[seq] = t;
      if (traced) traced[seq] = { position: envelope.position, id: envelope.id, occurred_at: envelope.occurred_at, correlation_id: (envelope.metadata || {}).correlation_id };
    }
    if (sampleCount < samples.length) samples[sampleCount++] = t - sent;
    return;
  }
  if (sampleCount < samples.length) samples[sampleCount++] = t - envelope.data.t;
}

function subscribedOne(i) {
  if (isSubscribed[i]) return;
  isSubscribed[i] = 1;
  subscribed += 1;
  if (subscribed === N) process.stdout.write(JSON.stringify({ kind: "ready" }) + "\n");
}

const channels = [cfg.channel, ...(cfg.extraChannels || [])];
const tokenOf = (i) => (cfg.tokens ? cfg.tokens[i % cfg.tokens.length] : cfg.token);
const acked = new Uint8Array(N);

function openSocketIO(i, url) {
  const ws = new WebSocket(`${url}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  ws.on("message", (raw) => {
    const msg = raw.toString();
    const type = msg[0];
    if (type === "2") return ws.send("3");
    if (type === "0") return ws.send(tokenOf(i) ? "40" + JSON.stringify({ token: tokenOf(i) }) : "40");
    if (type !== "4") return;
    const packet = msg[1];
    if (packet === "2") {
      if (msg.startsWith('42["presence"')) {
        if (running) { presenceEvents += 1; presenceBytes += Buffer.byteLength(msg); }
        return;
      }
      const [name, payload] = JSON.parse(msg.slice(2));
      if (name === "event") deliver(i, payload);
    } else if (packet === "0") {
      acked[i] = 0;
      channels.forEach((channel, k) => ws.send(`42${k + 1}` + JSON.stringify(["subscribe", { channel }])));
    } else if (packet === "3") {
      const ack = JSON.parse(msg.slice(3).replace(/^\d+/, ""))[0];
      if (ack && ack.ok) { acked[i] += 1; if (acked[i] === channels.length) subscribedOne(i); }
      else fail("subscribe_refused");
    } else if (packet === "4") fail("connect_refused");
  });
  return ws;
}

function openChannels(i, url) {
  const ws = new WebSocket(`${url}${cfg.path}`, { perMessageDeflate: false });
  ws.on("open", () => subscribedOne(i));
  ws.on("message", (raw) => deliver(i, JSON.parse(raw.toString())));
  return ws;
}

// A client whose connection fails before it is subscribed retries (up to 5 times, 1 s
// apart): on a loaded core a server may refuse a burst of handshakes.
const attempts = new Uint8Array(N);
const isSubscribed = new Uint8Array(N);

function connectOne(i) {
  const open = cfg.protocol === "channels" ? openChannels : openSocketIO;
  const ws = open(i, cfg.urls[i % cfg.urls.length]);
  let retried = false;
  const retry = (reason) => {
    if (running) fail(reason);
    if (retried || isSubscribed[i] || attempts[i] >= 5) return;
    retried = true;
    attempts[i] += 1;
    setTimeout(() => connectOne(i), 1000);
  };
  ws.on("error", (e) => retry("ws_error:" + (e.code || e.message)));
  ws.on("close", () => { closed += 1; retry("closed"); });
  sockets[i] = ws;
}

function connectAll() {
  const batch = cfg.connectBatch || 100;
  let next = 0;
  const step = () => {
    const until = Math.min(N, next + batch);
    for (; next < until; next++) connectOne(next);
    if (next < N) setTimeout(step, cfg.connectPauseMs || 20);
  };
  step();
}

function result(extra) {
  const lat = summarize(samples.subarray(0, sampleCount));
  const out = {
    kind: "result", clients: N, subscribed, closed, delivered, failures, failureReasons, latency_ms: lat,
    presence_events: presenceEvents, presence_bytes: presenceBytes, ...extra,
  };
  running = false;
  process.stdout.write(JSON.stringify(out) + "\n");
}

// Presence churn: clients 1..churn.clients leave `churn.channel` and join it again in turn
// (no acks asked for: the answers are not what is measured).
function startChurn(churn) {
  if (!churn) return () => ({});
  const inside = new Uint8Array(N).fill(1);
  let next = 0;
  let toggles = 0;
  const timer = setInterval(() => {
    const i = 1 + (next++ % churn.clients);
    const ws = sockets[i];
    if (!ws || ws.readyState !== 1) return;
    const verb = inside[i] ? "unsubscribe" : "subscribe";
    inside[i] ^= 1;
    toggles += 1;
    ws.send("42" + JSON.stringify([verb, { channel: churn.channel }]));
  }, 1000 / churn.perS);
  return () => {
    clearInterval(timer);
    for (let i = 1; i <= churn.clients; i++) {  // everyone back in for the next command
      if (!inside[i] && sockets[i] && sockets[i].readyState === 1) {
        sockets[i].send("42" + JSON.stringify(["subscribe", { channel: churn.channel }]));
      }
    }
    return { churn_toggles: toggles };
  };
}

async function runRate() {
  const pub = await Publisher.open(cfg.amqp);
  const stopChurn = startChurn(cmd.churn);
  const started = now();
  for (let n = 0; n < cmd.events; n++) {
    const due = started + (n * 1000) / cmd.rate;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pub.publish(cfg.channel, n);
  }
  const expected = cmd.events * N;
  const deadline = now() + (cmd.drainS || 30) * 1000;
  const span = (now() - started) / 1000;
  const churned = stopChurn();
  while (delivered < expected && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await pub.close();
  result({ expected, publish_span_s: span, ...churned });
}

async function runSaturate() {
  const pub = await Publisher.open(cfg.amqp);
  let published = 0;
  let probeSeen = 0;
  onProbe = () => { probeSeen += 1; pub.publish(cfg.channel, published++); };
  const warmup = (cmd.warmupS || 2) * 1000;
  const start = now();
  for (let k = 0; k < cmd.inflight; k++) pub.publish(cfg.channel, published++);
  await new Promise((r) => setTimeout(r, warmup));
  const d0 = delivered;
  const p0 = probeSeen;
  const t0 = now();
  await new Promise((r) => setTimeout(r, cmd.durationS * 1000));
  const window = (now() - t0) / 1000;
  const d1 = delivered;
  const p1 = probeSeen;
  onProbe = null;
  await pub.close();
  result({
    inflight: cmd.inflight, window_s: window, warmup_s: (t0 - start) / 1000,
    deliveries_per_s: (d1 - d0) / window, probe_events_per_s: (p1 - p0) / window,
  });
}

async function runE2E() {
  const commands = new Commands(cfg.http);
  onSeq = (seq) => commands.sentAt[seq];
  const started = now();
  for (let n = 0; n < cmd.events; n++) {
    const due = started + (n * 1000) / cmd.rate;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    commands.post(n);
  }
  const deadline = now() + (cmd.drainS || 30) * 1000;
  while ((delivered < cmd.events * N || commands.pending > 0) && now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  // Only accepted commands are due to every client; refused ones are reported apart.
  let refused = 0;
  for (let n = 0; n < cmd.events; n++) if (!commands.accepted(n)) refused += 1;
  const expected = (cmd.events - refused) * N;
  let missing = 0;
  for (let s = 0; s < seen.length; s++) if (!seen[s] && commands.accepted(s % cmd.events)) missing += 1;
  // POST -> last client: per event, when its last delivery arrived.
  const toLast = new Float64Array(cmd.events);
  let k = 0;
  for (let n = 0; n < cmd.events; n++) if (lastAt[n] > 0) toLast[k++] = lastAt[n] - commands.sentAt[n];
  // With `trace`: per event, the wall-clock times (ms) of its POST, its answer, its first
  // and its last delivery, and its envelope's position/id/time (a per-stage breakdown).
  const trace = traced && traced.map((e, n) => ({
    seq: n, sent: commands.sentAt[n], answered: commands.answeredAt[n],
    first: firstAt[n], last: lastAt[n], ...e,
  }));
  result({
    expected, missing, doubled, out_of_order: outOfOrder, refused,
    commands: commands.summary(), post_to_last_ms: summarize(toLast.subarray(0, k)),
    ...(trace ? { trace } : {}),
  });
}

connectAll();
const progress = setInterval(() => {
  if (subscribed === N) return clearInterval(progress);
  process.stderr.write(JSON.stringify({ kind: "connecting", subscribed, of: N, failures, failureReasons }) + "\n");
}, 10_000);
// One JSON command per stdin line ({"mode": "rate" | "saturate" | "e2e" | "idle", ...}),
// one result line each; "exit" closes every connection and ends the process.
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const word = line.trim();
  if (word === "exit") {
    running = false;
    sockets.forEach((ws) => ws && ws.terminate());
    setTimeout(() => process.exit(0), 50);
    return;
  }
  if (!word) return;
  const command = JSON.parse(word);
  begin(command);
  if (command.mode === "idle") return result({ open: sockets.filter((ws) => ws && ws.readyState === 1).length });
  const mode = { rate: runRate, saturate: runSaturate, e2e: runE2E }[command.mode];
  mode().catch((e) => { process.stderr.write(String(e.stack) + "\n"); process.exit(3); });
});
setTimeout(() => {
  process.stdout.write(JSON.stringify({ kind: "timeout", subscribed, failures, failureReasons }) + "\n");
  process.exit(2);
}, (cfg.timeoutS || 3600) * 1000);
