// Presence (CONTRACT.md §6) as the client exposes it. Needs the gateway's presence support
// (the presence branch); written to the contract.
import assert from "node:assert/strict";
import { test } from "node:test";
import { follow, newUser, waitFor } from "./helpers.js";

test("presence: who is viewing a list, one entry per user, gone after unsubscribe", async () => {
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const listId = await alice.createList();
  await alice.addMember(listId, bob.username);
  const channel = `list:${listId}`;
  const aliceTab1 = follow(alice);
  const aliceTab2 = follow(alice);
  const bobTab = follow(bob);
  try {
    const seen = [];
    const sub = aliceTab1.subscribe(channel, () => {}, { onPresence: (p) => p && seen.push(p) });
    aliceTab2.subscribe(channel, () => {});
    const bobSub = bobTab.subscribe(channel, () => {});
    const both = await waitFor(
      () => sub.presence && sub.presence.count === 2 && sub.presence,
      "alice and bob present",
      15000,
    );
    const expected = [alice, bob]
      .map((u) => ({ id: u.id, username: u.username }))
      .sort((a, b) => (a.username < b.username ? -1 : 1));
    assert.deepEqual(both.users.map((u) => ({ id: u.id, username: u.username })), expected);
    assert.deepEqual(aliceTab1.presence(channel), sub.presence);
    bobSub.unsubscribe();
    const alone = await waitFor(() => sub.presence && sub.presence.count === 1 && sub.presence, "bob gone", 15000);
    assert.deepEqual(alone.users.map((u) => u.id), [alice.id]);
    assert.ok(seen.length >= 2);
    sub.unsubscribe();
    assert.equal(sub.presence, null);
  } finally {
    aliceTab1.close();
    aliceTab2.close();
    bobTab.close();
  }
});
