// Test helpers: a user of the real API, a client of this package, waiting, and the control
// endpoint of the Python test stack (tests/integration/test_js_client_package.py), which
// kills and starts the gateway on request.
import { randomUUID } from "node:crypto";
import { apiTokenProvider, connect } from "../src/index.js";

export const API_URL = need("API_URL");
export const GATEWAY_URL = need("GATEWAY_URL");
const CONTROL_URL = process.env.CONTROL_URL;

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through pytest (see README)`);
  return value;
}

// A POST carries an Idempotency-Key, so it (like a GET) may be sent again when a pooled
// keep-alive connection turns out to be closed by the server (undici: "other side closed").
const RESENDABLE = new Set(["GET", "POST"]);

async function call(method, path, body, token) {
  const key = method === "POST" ? randomUUID() : undefined;
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(API_URL + path, {
        method,
        headers: {
          "Content-Type": "application/json",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(key ? { "Idempotency-Key": key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error?.cause?.code === "UND_ERR_SOCKET" && RESENDABLE.has(method) && attempt < 3) {
        continue;
      }
      throw error;
    }
    if ((response.status === 429 || response.status === 503) && attempt < 30) {
      await sleep(200 * (attempt + 1));
      continue;
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }
}

/** Registers a fresh user; methods for what the tests need. */
export async function newUser(prefix = "u") {
  const username = `${prefix}${randomUUID().slice(0, 8)}`;
  const me = await call("POST", "/api/auth/register", { username, password: `pw-${randomUUID()}` });
  const provider = apiTokenProvider(API_URL, { bearer: me.token });
  const user = {
    id: String(me.id),
    username,
    tokenCalls: 0,
    call: (method, path, body) => call(method, path, body, me.token),
    createList: async (name = "groceries") => (await user.call("POST", "/api/lists", { name })).id,
    addTodo: (listId, title) => user.call("POST", `/api/lists/${listId}/todos`, { title }),
    addMember: (listId, username_) => user.call("POST", `/api/lists/${listId}/members`, { username: username_ }),
    removeMember: (listId, userId) => user.call("DELETE", `/api/lists/${listId}/members/${userId}`),
    /** The token provider of this package, as an application would write it. */
    getToken: async (channels) => {
      user.tokenCalls += 1;
      return provider(channels);
    },
  };
  return user;
}

export function follow(user, options = {}) {
  return connect(GATEWAY_URL, {
    getToken: user ? user.getToken : undefined,
    socketOptions: { reconnectionDelay: 200, reconnectionDelayMax: 1000, ...(options.socketOptions || {}) },
    ...options,
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (generously: the machine is shared) until check() is truthy. */
export async function waitFor(check, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Asks the Python test stack to do something to a process ("kill/gateway", "start/gateway"). */
export async function control(action) {
  if (!CONTROL_URL) throw new Error("CONTROL_URL is not set");
  const response = await fetch(`${CONTROL_URL}/${action}`, { method: "POST" });
  if (!response.ok) throw new Error(`control ${action}: ${response.status} ${await response.text()}`);
}
