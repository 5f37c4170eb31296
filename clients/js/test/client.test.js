// The package against a live gateway (started by tests/integration/test_js_client_package.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { control, follow, newUser, sleep, waitFor } from "./helpers.js";

const titles = (events) => events.map((e) => e.data.title);

test("replays after since, then live, each once in order", async () => {
  const alice = await newUser("alice");
  const listId = await alice.createList();
  const first = await alice.addTodo(listId, "missed 1");
  await alice.addTodo(listId, "missed 2");
  const client = follow(alice);
  const seen = [];
  try {
    const sub = client.subscribe(`list:${listId}`, (e) => seen.push(e), { since: first.position - 1 });
    await waitFor(() => sub.state === "joined", "the subscription");
    await alice.addTodo(listId, "live 1");
    await waitFor(() => seen.length >= 3, "three events");
    assert.deepEqual(titles(seen), ["missed 1", "missed 2", "live 1"]);
    // A duplicate delivery (as after a broker redelivery) is dropped by position.
    client.socket.listeners("event")[0](seen[1]);
    await sleep(200);
    assert.equal(seen.length, 3);
    assert.equal(client.status, "live");
  } finally {
    client.close();
  }
});

test("resumes with since after the gateway restarts, nothing lost or doubled", async () => {
  const alice = await newUser("alice");
  const listId = await alice.createList();
  const client = follow(alice);
  const seen = [];
  const states = [];
  client.onStatus((s) => states.push(s));
  try {
    const sub = client.subscribe(`list:${listId}`, (e) => seen.push(e), { since: 0 });
    await waitFor(() => sub.state === "joined", "the subscription");
    await alice.addTodo(listId, "before");
    await waitFor(() => seen.length >= 2, "ListCreated and the first todo");
    await control("kill/gateway");
    await waitFor(() => client.status !== "live", "the client to notice");
    for (const title of ["during 1", "during 2"]) await alice.addTodo(listId, title);
    await control("start/gateway");
    await waitFor(() => client.status === "live", "the client to come back", 60000);
    await alice.addTodo(listId, "after");
    await waitFor(() => seen.length >= 5, "every event");
    await sleep(300);
    assert.deepEqual(seen.map((e) => e.type), ["ListCreated", "TodoCreated", "TodoCreated", "TodoCreated", "TodoCreated"]);
    assert.deepEqual(titles(seen.slice(1)), ["before", "during 1", "during 2", "after"]);
    const positions = seen.map((e) => e.position);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    assert.equal(new Set(seen.map((e) => e.id)).size, seen.length);
    assert.ok(states.includes("reconnecting") || states.includes("offline"), states.join());
  } finally {
    client.close();
  }
});

test("a token expiring mid-session is renewed; a reconnect after expiry resumes", async () => {
  // The stack's API issues tokens for REALTIME_TOKEN_TTL seconds (TOKEN_TTL here).
  const ttl = Number(process.env.TOKEN_TTL || "600");
  assert.ok(ttl <= 15, "run with a short REALTIME_TOKEN_TTL");
  const alice = await newUser("alice");
  const listId = await alice.createList();
  const client = follow(alice);
  const seen = [];
  try {
    const sub = client.subscribe(`list:${listId}`, (e) => seen.push(e), { since: 0 });
    await waitFor(() => sub.state === "joined", "the subscription");
    const callsAtJoin = alice.tokenCalls;
    assert.ok(callsAtJoin >= 1);
    await sleep((ttl + 2) * 1000); // the first token has expired by now
    assert.ok(alice.tokenCalls > callsAtJoin, `renewed before expiry (${alice.tokenCalls} calls)`);
    await alice.addTodo(listId, "after expiry");
    await waitFor(() => seen.some((e) => e.data.title === "after expiry"), "the live event");
    client.socket.io.engine.close(); // the transport drops; the client reconnects
    await waitFor(() => client.status !== "live", "the drop");
    await alice.addTodo(listId, "while reconnecting");
    await waitFor(() => client.status === "live", "the reconnect");
    await waitFor(() => seen.some((e) => e.data.title === "while reconnecting"), "the missed event");
    assert.deepEqual(titles(seen.slice(1)), ["after expiry", "while reconnecting"]);
  } finally {
    client.close();
  }
});

test("a revoked member is unsubscribed, told why, and the gap is reported", async () => {
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const listId = await alice.createList();
  await alice.addMember(listId, bob.username);
  const client = follow(bob);
  const seen = [];
  const errors = [];
  const gaps = [];
  client.onGap((gap) => gaps.push(gap));
  try {
    const sub = client.subscribe(`list:${listId}`, (e) => seen.push(e), {
      since: 0,
      onError: (error) => errors.push(error),
    });
    await waitFor(() => sub.state === "joined", "bob's subscription");
    await alice.addTodo(listId, "for bob");
    await waitFor(() => seen.some((e) => e.data.title === "for bob"), "bob sees the todo");
    await alice.removeMember(listId, bob.id);
    await waitFor(() => errors.length > 0, "the revocation");
    assert.equal(errors[0].code, "revoked");
    assert.equal(sub.state, "failed");
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0].reason, "revoked");
    assert.equal(gaps[0].channel, `list:${listId}`);
    assert.ok(seen.some((e) => e.type === "MemberRemoved"), "bob saw his own removal");
    await alice.addTodo(listId, "not for bob");
    await sleep(1000);
    assert.ok(!seen.some((e) => e.data.title === "not for bob"));
    // Subscribing again is refused: the API no longer issues bob a token for the list.
    const again = [];
    client.subscribe(`list:${listId}`, () => {}, { onError: (e) => again.push(e) });
    await waitFor(() => again.length > 0, "the refusal");
    assert.equal(again[0].code, "forbidden");
  } finally {
    client.close();
  }
});

test("live-only events reach public: subscribers once; a reconnect reports them lost", async () => {
  const client = follow(null); // anonymous: public channels only
  const seen = [];
  const channel = `public:js-${Date.now()}`;
  try {
    const sub = client.subscribe(channel, (e) => seen.push(e));
    await waitFor(() => sub.state === "joined", "the subscription");
    await control(`publish/${encodeURIComponent(channel)}`);
    await waitFor(() => seen.length >= 1, "the service event");
    client.socket.listeners("event")[0](seen[0]); // a duplicate: dropped by id
    await sleep(200);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].metadata.source, "js-client-test");
    assert.equal(seen[0].position, undefined);
    // Live-only events are never stored: after a reconnect the client says what it lost.
    const gaps = [];
    client.onGap((gap) => gaps.push(gap));
    client.socket.io.engine.close();
    await waitFor(() => client.status !== "live", "the drop");
    await waitFor(() => client.status === "live" && gaps.length > 0, "the gap report");
    assert.equal(gaps[0].channel, channel);
    assert.equal(gaps[0].reason, "live_only_lost");
    assert.ok(gaps[0].from <= gaps[0].until);
  } finally {
    client.close();
  }
});
