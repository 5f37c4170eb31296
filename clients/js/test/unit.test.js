// The client's bookkeeping against a scripted Socket.IO peer (no network): resume payloads,
// de-duplication, presence state and gap reports. The live tests (client.test.js,
// presence.test.js) check the same against the real gateway.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "../src/index.js";

/** A stand-in for socket.io-client's io(): records what the client emits, lets the test
 * play the gateway's part (acks and server events). */
function scriptedIo() {
  const peer = { sent: [], socket: null, ack: (payload) => ({ ok: true, channel: payload.channel, position: 10 }) };
  peer.io = (url, options) => {
    const handlers = new Map();
    const socket = {
      connected: false,
      active: true,
      io: { on() {}, engine: null },
      on(event, fn) {
        handlers.set(event, [...(handlers.get(event) || []), fn]);
      },
      listeners: (event) => handlers.get(event) || [],
      fire(event, ...args) {
        for (const fn of handlers.get(event) || []) fn(...args);
      },
      connect() {
        options.auth(() => {
          socket.connected = true;
          socket.fire("connect");
        });
      },
      disconnect() {
        socket.connected = false;
      },
      emit(event, payload) {
        peer.sent.push({ event, payload });
      },
      timeout() {
        return {
          emit(event, payload, cb) {
            peer.sent.push({ event, payload });
            setImmediate(() => cb(null, peer.ack(payload)));
          },
        };
      },
    };
    peer.socket = socket;
    return socket;
  };
  return peer;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
const envelope = (channel, position, id = `id-${position}`) => ({ id, channels: [channel], position, data: {} });

test("resumes with since = the last position after a reconnect; drops duplicates", async () => {
  const peer = scriptedIo();
  const client = connect("http://gw", { io: peer.io });
  const seen = [];
  const sub = client.subscribe("public:a", (e) => seen.push(e.position ?? e.id), { since: 3 });
  await tick();
  assert.deepEqual(peer.sent[0], { event: "subscribe", payload: { channel: "public:a", since: 3 } });
  assert.equal(sub.state, "joined");
  assert.equal(sub.position, 10); // complete up to the ack's position
  peer.socket.fire("event", envelope("public:a", 11));
  peer.socket.fire("event", envelope("public:a", 11)); // duplicate
  peer.socket.fire("event", envelope("public:a", 9)); // at or below the ack: seen
  peer.socket.fire("event", { id: "live-1", channels: ["public:a"], data: {} });
  peer.socket.fire("event", { id: "live-1", channels: ["public:a"], data: {} }); // duplicate id
  assert.deepEqual(seen, [11, "live-1"]);
  const gaps = [];
  client.onGap((g) => gaps.push(g));
  peer.socket.connected = false;
  peer.socket.fire("disconnect", "transport close");
  assert.equal(client.status, "reconnecting");
  peer.ack = (payload) => ({ ok: true, channel: payload.channel, position: 12 });
  peer.socket.connect();
  await tick();
  assert.deepEqual(peer.sent.at(-1).payload, { channel: "public:a", since: 11 });
  assert.equal(client.status, "live");
  assert.deepEqual(gaps.map((g) => [g.channel, g.reason, g.after]), [["public:a", "live_only_lost", 12]]);
  client.close();
});

test("presence is kept per list channel, cleared when stale or unsubscribed", async () => {
  const peer = scriptedIo();
  const client = connect("http://gw", { io: peer.io });
  const updates = [];
  const channel = "list:6f1c2a52-8e0b-4c1d-9a53-2f7d1e0b9c11";
  const sub = client.subscribe(channel, () => {}, { onPresence: (p) => updates.push(p && p.count) });
  await tick();
  const users = [{ id: "1", username: "alice" }, { id: "2", username: "bob" }];
  peer.socket.fire("presence", { channel, count: 2, users, extra: "ignored" });
  assert.deepEqual(sub.presence, { channel, count: 2, users });
  assert.deepEqual(client.presence(channel), sub.presence);
  peer.socket.fire("presence", { channel, count: 1, users: users.slice(0, 1) }); // replaces
  assert.equal(sub.presence.count, 1);
  peer.socket.connected = false;
  peer.socket.fire("disconnect", "transport close");
  assert.equal(sub.presence, null); // stale until the gateway says again
  peer.socket.connect();
  await tick();
  peer.socket.fire("presence", { channel, count: 2, users });
  sub.unsubscribe();
  assert.equal(client.presence(channel), null);
  peer.socket.fire("presence", { channel, count: 3, users }); // after unsubscribe: ignored
  assert.deepEqual(updates, [2, 1, null, 2]);
  assert.deepEqual(peer.sent.at(-1), { event: "unsubscribe", payload: { channel } });
  client.close();
});

test("revocation ends the subscription and reports the gap; a refused resume too", async () => {
  const peer = scriptedIo();
  const client = connect("http://gw", { io: peer.io });
  const errors = [];
  const gaps = [];
  client.onGap((g) => gaps.push(g));
  const a = "list:6f1c2a52-8e0b-4c1d-9a53-2f7d1e0b9c11";
  const b = "user:7";
  const subA = client.subscribe(a, () => {}, { onError: (e) => errors.push(e.code) });
  const subB = client.subscribe(b, () => {}, { onError: (e) => errors.push(e.code) });
  await tick();
  peer.socket.fire("unsubscribed", { channel: a, reason: "revoked" });
  assert.equal(subA.state, "failed");
  assert.deepEqual(errors, ["revoked"]);
  assert.deepEqual(gaps.map((g) => [g.channel, g.reason]), [[a, "revoked"]]);
  peer.socket.connected = false;
  peer.socket.fire("disconnect", "transport close");
  peer.ack = () => ({ ok: false, error: { code: "bad_request", message: "no" } });
  peer.socket.connect();
  await tick();
  assert.equal(subB.state, "failed");
  assert.deepEqual(errors, ["revoked", "bad_request"]);
  assert.deepEqual(gaps.map((g) => [g.channel, g.reason]), [[a, "revoked"], [b, "bad_request"]]);
  client.close();
});
