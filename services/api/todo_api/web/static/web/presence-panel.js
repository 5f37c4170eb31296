// "Viewing now": who has this list open (CONTRACT.md §6), drawn from the gateway's
// `presence` events. Presence is state: each event replaces the whole panel. The gateway
// sends one right after the list's subscribe ack, then on every change (coalesced).

import { h, replaceChildren } from "./dom.js";

export class PresencePanel {
  /** list: the <ul> to fill; summary: an element for "N viewing"; me: {id, username}. */
  constructor(list, summary, me) {
    this.list = list;
    this.summary = summary;
    this.me = me;
  }

  /** Draw one `presence` event {channel, count, users: [{id, username}]}. */
  update(presence) {
    const users = Array.isArray(presence.users) ? presence.users : [];
    const items = users.map((user) => {
      const mine = String(user.id) === String(this.me.id);
      const item = h(
        "li",
        { class: `viewer${mine ? " me" : ""}`, dataset: { userId: String(user.id) } },
        h("span", { class: "viewer-dot", "aria-hidden": "true" }),
        h("span", { class: "viewer-name" }, user.username),
        mine ? h("span", { class: "badge subtle" }, "you") : null,
      );
      item.setAttribute("aria-label", mine ? `${user.username} (you)` : user.username);
      return item;
    });
    const count = Number.isInteger(presence.count) ? presence.count : users.length;
    if (count > users.length) items.push(h("li", { class: "viewer more" }, `and ${count - users.length} more`));
    replaceChildren(this.list, items);
    this.summary.textContent = count === 1 ? "1 person viewing" : `${count} people viewing`;
  }

  /** The connection is down: what is shown may be stale until the next presence. */
  clear() {
    replaceChildren(this.list);
    this.summary.textContent = "";
  }
}

/** Follow `channel`'s presence on a todo-realtime connection (its socket.io Socket). */
export function followPresence(rt, channel, panel) {
  rt.socket.on("presence", (presence) => {
    if (presence && presence.channel === channel) panel.update(presence);
  });
  rt.onStatus((state) => {
    if (state !== "live" && state !== "connecting") panel.clear();
  });
}
