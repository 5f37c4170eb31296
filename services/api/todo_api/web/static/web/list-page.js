// One list: its todos, members and activity, live. State and reconciliation rules live in
// list-state.js; drawing in list-view.js; this module wires reads, writes and events.
//
// Writes are optimistic: the change shows at once (as an overlay on the server state), the
// answer replaces it, and a failure removes it again and shows the API's message.

import { api, ApiError, messageOf, read as readModel } from "./api.js";
import { initErrorBanner, pageConfig, showError } from "./dom.js";
import { ListState } from "./list-state.js";
import { ListView } from "./list-view.js";
import { debounced, startRealtime } from "./live.js";
import { followPresence, PresencePanel } from "./presence-panel.js";

const config = pageConfig();
const me = config.user;
const listId = config.listId;
let state = null;
let view = null;
let writes = 0;
let temps = 0;

function redraw() {
  view.render(state);
}

// -- reads --------------------------------------------------------------------------------

let activityReads = 0;
const refreshActivity = debounced(async (_key, position) => {
  const read = ++activityReads;
  try {
    const { data } = await api("GET", `/api/lists/${listId}/activity?limit=30&min_position=${position}`);
    if (read === activityReads) view.renderActivity(data); // an older read never wins
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) console.warn("activity", error);
  }
}, 150);

const refreshMembers = debounced(async (_key, position) => {
  try {
    const { data, readPosition } = await api("GET", `/api/lists/${listId}?min_position=${position}`);
    state.applyMembers(data.members, readPosition ?? position);
    redraw();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) lostAccess("removed");
  }
}, 150);

function lostAccess(reason) {
  if (state.status === "open") state.status = reason;
  redraw();
}

// -- events -------------------------------------------------------------------------------

function onListEvent(event) {
  const d = event.data || {};
  if (event.type === "TodoCreated" && event.metadata?.actor === me.id) {
    // Our own optimistic todo may still wait for its answer: adopt it in place.
    const temp = [...state.todos.values()].find((t) => t.temp && t.title === d.title.trim());
    if (temp) state.adoptTemp(temp.id, { id: d.todo_id, title: d.title, completed: false, position: event.position });
  }
  state.applyEvent(event);
  if (event.type === "MemberAdded") refreshMembers("m", event.position ?? 0);
  if ((event.type === "MemberRemoved" && String(d.user_id) === me.id) || event.type === "ListDeleted") {
    lostAccess(event.type === "ListDeleted" ? "deleted" : "removed");
  }
  redraw();
  if (state.status === "open") refreshActivity("a", event.position ?? 0);
}

function onUserEvent(event) {
  const d = event.data || {};
  if (d.list_id !== listId) return;
  if (event.type === "ListDeleted") lostAccess("deleted");
  else if (event.type === "MemberRemoved") lostAccess("removed");
}

// -- writes -------------------------------------------------------------------------------

/** Run an optimistic write: `apply` shows it, `request` sends it, `settle` takes the answer. */
async function write({ apply, request, settle, rollback }) {
  const id = ++writes;
  apply(id);
  redraw();
  try {
    const answer = await request();
    settle(answer, id);
    showError(null);
    if (answer.writePosition) refreshActivity("a", answer.writePosition);
  } catch (error) {
    rollback(id, error);
    showError(messageOf(error));
  }
  redraw();
}

function clearPending(entity, id) {
  if (entity && entity.pending && entity.pending.writeId === id) entity.pending = null;
}

const actions = {
  addTodo(title) {
    const tempId = `pending-${++temps}`;
    return write({
      apply: () =>
        state.todos.set(tempId, { id: tempId, title: title.trim(), completed: false, position: 0, pending: null, temp: true }),
      request: () => api("POST", `/api/lists/${listId}/todos`, { title }),
      settle: ({ data }) => state.adoptTemp(tempId, data) || state.putTodo(data),
      rollback: (_id, error) => {
        state.todos.delete(tempId);
        view.restoreNewTitle(title, error);
      },
    });
  },
  changeTodo(todoId, change) {
    const todo = state.todos.get(todoId);
    if (!todo || todo.temp) return;
    return write({
      apply: (id) => (todo.pending = { ...(todo.pending || {}), ...change, writeId: id }),
      request: () => api("PATCH", `/api/todos/${todoId}`, change),
      settle: ({ data }, id) => {
        state.putTodo(data);
        clearPending(state.todos.get(todoId), id);
      },
      rollback: (id) => clearPending(state.todos.get(todoId), id),
    });
  },
  deleteTodo(todoId) {
    const todo = state.todos.get(todoId);
    if (!todo || todo.temp) return;
    return write({
      apply: (id) => (todo.pending = { ...(todo.pending || {}), deleted: true, writeId: id }),
      request: () => api("DELETE", `/api/todos/${todoId}`),
      settle: ({ writePosition }) => state.deleteTodo(todoId, writePosition ?? todo.position + 1),
      rollback: (id) => clearPending(state.todos.get(todoId), id),
    });
  },
  renameList(name) {
    return write({
      apply: (id) => {
        state.name.pending = name.trim();
        state.name.writeId = id;
      },
      request: () => api("PATCH", `/api/lists/${listId}`, { name }),
      settle: ({ data }, id) => {
        if (data.position > state.name.position) Object.assign(state.name, { value: data.name, position: data.position });
        if (state.name.writeId === id) state.name.pending = null;
      },
      rollback: (id) => {
        if (state.name.writeId === id) state.name.pending = null;
      },
    });
  },
  addMember(username) {
    const tempId = `pending-${++temps}`;
    return write({
      apply: () => state.members.set(tempId, { id: tempId, username, position: 0, removed: false, temp: true }),
      request: () => api("POST", `/api/lists/${listId}/members`, { username }),
      settle: ({ data, writePosition }) => {
        state.members.delete(tempId);
        state.putMember(String(data.id), data.username, writePosition ?? 0);
      },
      rollback: (_id, error) => {
        state.members.delete(tempId);
        view.restoreMemberName(username, error);
      },
    });
  },
  removeMember(userId) {
    const member = state.members.get(userId);
    if (!member) return;
    const leaving = userId === me.id;
    return write({
      apply: (id) => (member.pending = { removed: true, writeId: id }),
      request: () => api("DELETE", `/api/lists/${listId}/members/${userId}`),
      settle: ({ writePosition }, id) => {
        state.removeMember(userId, writePosition ?? member.position + 1);
        clearPending(state.members.get(userId), id);
        if (leaving) window.location.assign("/");
      },
      rollback: (id) => clearPending(state.members.get(userId), id),
    });
  },
  async deleteList() {
    try {
      await api("DELETE", `/api/lists/${listId}`);
      window.location.assign("/");
    } catch (error) {
      showError(messageOf(error));
    }
  },
};

// -- start ---------------------------------------------------------------------------------

async function start() {
  initErrorBanner();
  view = new ListView(document, me, actions);
  let read;
  try {
    read = await readModel(`/api/lists/${listId}`, config.minPosition);
  } catch (error) {
    document.getElementById("connection").hidden = true;
    view.showMissing(error instanceof ApiError && error.status === 404 ? null : messageOf(error));
    document.body.dataset.ready = "true";
    return;
  }
  const since = read.readPosition ?? read.data.position ?? 0;
  state = new ListState(read.data, since);
  redraw();
  refreshActivity("a", since);
  document.body.dataset.ready = "true";
  const rt = startRealtime(config.gatewayUrl);
  const viewing = new PresencePanel(document.getElementById("viewers"), document.getElementById("viewers-count"), me);
  followPresence(rt, `list:${listId}`, viewing);
  rt.subscribe(`list:${listId}`, onListEvent, { since, onError: () => refreshMembers("m", since) });
  rt.subscribe(`user:${me.id}`, onUserEvent, { since });
}

window.addEventListener("pageshow", (e) => {
  if (e.persisted) window.location.reload(); // back from the bfcache: the connection was closed
});
start();
