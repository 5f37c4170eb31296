// The "Your lists" page: the lists the user belongs to, live.
//
// Reads GET /api/lists, then follows `user:<me>` (lists created, joined, left, removed,
// deleted) and each shown `list:<id>` (renames, counts, members) through the gateway. A list
// row is redrawn from GET /api/lists/{id}?min_position=<event position>, so it always shows
// the read model at least as new as the event that announced the change.

import { api, ApiError, messageOf, read } from "./api.js";
import { h, initErrorBanner, pageConfig, replaceChildren, showError } from "./dom.js";
import { debounced, startRealtime } from "./live.js";

const MAX_LIST_CHANNELS = 90; // a realtime token holds at most 100 channels

const config = pageConfig();
const me = config.user;
const lists = new Map(); // id -> list (as the API returns it, plus `pending` for optimistic rows)
const gone = new Map(); // id -> position at which the list left this page (stale events ignored)
const listSubs = new Map(); // id -> subscription handle
let rt = null;
let tempIds = 0;

const listEl = document.getElementById("lists");
const emptyEl = document.getElementById("lists-empty");

function counts(list) {
  const members = list.members ? list.members.length : 1;
  return `${list.open_count ?? 0} open · ${list.done_count ?? 0} done · ${members} ${members === 1 ? "member" : "members"}`;
}

function row(list) {
  const owner = list.members?.find((m) => m.id === list.owner_id);
  const mine = list.owner_id === me.id;
  const link = list.pending
    ? h("span", { class: "list-name" }, list.name)
    : h("a", { class: "list-name", href: `/lists/${list.id}` }, list.name);
  return h(
    "li",
    { class: `list-card${list.pending ? " pending" : ""}`, dataset: { listId: list.id } },
    link,
    h("span", { class: "list-meta" }, counts(list)),
    h("span", { class: "badge" }, mine ? "owner" : `shared by ${owner ? owner.username : "someone"}`),
  );
}

function render() {
  const items = [...lists.values()].map(row);
  replaceChildren(listEl, items);
  emptyEl.hidden = items.length > 0;
}

// -- live updates --------------------------------------------------------------------------

function follow(listId, since) {
  if (!rt || listSubs.has(listId) || listSubs.size >= MAX_LIST_CHANNELS) return;
  const sub = rt.subscribe(`list:${listId}`, onListEvent, {
    since,
    onError: () => refresh(listId, since ?? 0),
  });
  listSubs.set(listId, sub);
}

function unfollow(listId) {
  listSubs.get(listId)?.unsubscribe();
  listSubs.delete(listId);
}

function drop(listId, position) {
  gone.set(listId, position);
  lists.delete(listId);
  unfollow(listId);
  render();
}

const refresh = debounced(async (listId, position) => {
  try {
    const { data, readPosition } = await api("GET", `/api/lists/${listId}?min_position=${position}`);
    if ((gone.get(listId) ?? -1) >= position) return;
    const current = lists.get(listId);
    if (current && current.position > data.position) return;
    lists.set(listId, { ...data, todos: undefined });
    gone.delete(listId);
    render();
    follow(listId, readPosition ?? position);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      drop(listId, position);
    } else {
      showError(messageOf(error));
    }
  }
});

function onUserEvent(event) {
  const data = event.data || {};
  if (!data.list_id) return;
  const position = event.position ?? 0;
  const aboutMe = data.user_id === undefined || data.user_id === me.id;
  if (event.type === "ListDeleted" || (event.type === "MemberRemoved" && aboutMe)) {
    drop(data.list_id, position);
  } else if (["ListCreated", "MemberAdded"].includes(event.type) && aboutMe) {
    if ((gone.get(data.list_id) ?? -1) < position) refresh(data.list_id, position);
  }
}

function onListEvent(event) {
  const data = event.data || {};
  if (!data.list_id || !lists.has(data.list_id)) return;
  if (event.type === "ListDeleted" || (event.type === "MemberRemoved" && data.user_id === me.id)) {
    drop(data.list_id, event.position ?? 0);
  } else {
    refresh(data.list_id, event.position ?? 0);
  }
}

// -- creating a list (optimistic) ---------------------------------------------------------

async function createList(form) {
  const input = form.elements.name;
  const name = input.value;
  const tempId = `pending-${++tempIds}`;
  lists.set(tempId, { id: tempId, name, owner_id: me.id, members: [me], pending: true });
  input.value = "";
  render();
  try {
    const { data, writePosition } = await api("POST", "/api/lists", { name });
    lists.delete(tempId);
    const position = writePosition ?? data.position;
    if (!lists.has(data.id) && (gone.get(data.id) ?? -1) < position) {
      lists.set(data.id, data);
      follow(data.id, position);
    }
    showError(null);
  } catch (error) {
    lists.delete(tempId);
    if (!input.value) input.value = name;
    showError(messageOf(error));
  }
  render();
}

// -- start ---------------------------------------------------------------------------------

async function start() {
  initErrorBanner();
  document.getElementById("new-list-form").addEventListener("submit", (e) => {
    e.preventDefault();
    createList(e.currentTarget);
  });
  let since = 0;
  try {
    const { data, readPosition } = await read("/api/lists", config.minPosition);
    since = readPosition ?? 0;
    for (const list of data) lists.set(list.id, list);
  } catch (error) {
    showError(messageOf(error));
  }
  render();
  document.body.dataset.ready = "true";
  rt = startRealtime(config.gatewayUrl);
  rt.subscribe(`user:${me.id}`, onUserEvent, { since });
  for (const id of lists.keys()) follow(id, since);
}

window.addEventListener("pageshow", (e) => {
  if (e.persisted) window.location.reload(); // back from the bfcache: the connection was closed
});
start();
