// todo-realtime.js — a small client for the Realtime TODO gateway (CONTRACT.md §5), on top
// of the official socket.io-client v4 (load vendor/socket.io.min.js first, or pass `io`).
// Documented in docs/web-client.md.
//
//   import { connect } from "/static/web/todo-realtime.js";
//   const rt = connect(gatewayUrl, { getToken: (channels) => fetchToken(channels) });
//   const sub = rt.subscribe("list:<uuid>", (envelope) => apply(envelope), { since: readPosition });
//   rt.onStatus((state) => ...);   // "connecting" | "live" | "reconnecting" | "offline"
//   sub.unsubscribe(); rt.close();
//
// What it guarantees to `onEvent`: store events of a channel arrive in ascending `position`,
// each at most once per channel, including across reconnects — after any reconnect every
// subscription is renewed with `since` = the last position seen on it, so the gateway replays
// what was missed. Live-only events (no `position`) are passed on as they come.

const ACK_TIMEOUT_MS = 15000;
const RETRY_MS = 1000;
const OFFLINE_AFTER_ATTEMPTS = 5;

/**
 * Open a connection to the gateway at `url`.
 *
 * options.getToken(channels) -> Promise<{token, expires_at}>: a realtime token for every
 *   channel in `channels` (for the page: POST /api/realtime/token). If it rejects with an
 *   error whose `channel` names one refused channel, that subscription fails with
 *   `forbidden` and the others go on.
 * options.io: the socket.io `io` function (default: globalThis.io).
 * options.socketOptions: extra options for io() (reconnection delays, transports, …).
 * options.refreshMargin: seconds before expiry at which the token is renewed (default:
 *   a fifth of its lifetime, at least 5 s).
 */
export function connect(url, options = {}) {
  const io = options.io || globalThis.io;
  if (typeof io !== "function") throw new Error("socket.io-client is not loaded");
  const getToken = options.getToken || (async () => null);
  const subs = new Map(); // channel -> subscription state
  const statusListeners = new Set();
  let token = null; // {token, expiresAt (ms), channels: Set}
  let tokenPromise = null;
  let refreshTimer = null;
  let status = "connecting";
  let attempts = 0;
  let closed = false;

  const socket = io(url, {
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...(options.socketOptions || {}),
    auth: (cb) => {
      currentToken()
        .then((t) => cb(t ? { token: t.token } : {}))
        .catch(() => cb({}));
    },
  });

  // -- status ---------------------------------------------------------------------------

  function setStatus(next) {
    if (closed && next !== "offline") return;
    if (next === status) return;
    status = next;
    for (const listener of statusListeners) listener(status);
  }

  function downStatus() {
    const browserOffline = typeof navigator !== "undefined" && navigator.onLine === false;
    return browserOffline || attempts >= OFFLINE_AFTER_ATTEMPTS ? "offline" : "reconnecting";
  }

  function updateLiveStatus() {
    if (!socket.connected) return;
    const pending = [...subs.values()].some((sub) => sub.state === "subscribing");
    setStatus(pending ? "reconnecting" : "live");
  }

  // -- tokens ---------------------------------------------------------------------------

  function wantedChannels() {
    return [...subs.values()].filter((s) => s.state !== "failed").map((s) => s.channel).sort();
  }

  function tokenCovers(t, channels) {
    return t && t.expiresAt - Date.now() > 5000 && channels.every((c) => t.channels.has(c));
  }

  /** A token for every wanted channel, fetched only when the cached one does not do. */
  async function currentToken(force = false) {
    const channels = wantedChannels();
    if (channels.length === 0) return null;
    if (!force && tokenCovers(token, channels)) return token;
    if (!tokenPromise) {
      tokenPromise = fetchToken(channels).finally(() => {
        tokenPromise = null;
      });
    }
    const fresh = await tokenPromise;
    // Subscriptions may have been added while it was fetched: make sure they are covered.
    if (fresh && !tokenCovers(fresh, wantedChannels())) return currentToken(true);
    return fresh;
  }

  async function fetchToken(channels) {
    for (;;) {
      try {
        const answer = await getToken(channels);
        if (!answer) return null;
        token = {
          token: answer.token,
          expiresAt: Date.parse(answer.expires_at),
          channels: new Set(answer.channels || channels),
        };
        scheduleRefresh();
        return token;
      } catch (error) {
        const refused = error && error.channel;
        if (refused && subs.has(refused) && channels.includes(refused)) {
          fail(subs.get(refused), { code: "forbidden", message: error.message });
          channels = channels.filter((c) => c !== refused);
          if (channels.length === 0) return null;
          continue;
        }
        throw error;
      }
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    const lifetime = token.expiresAt - Date.now();
    const margin = options.refreshMargin ? options.refreshMargin * 1000 : Math.max(5000, lifetime / 5);
    refreshTimer = setTimeout(() => {
      if (closed) return;
      // Renew before expiry, so a reconnect or a new subscription never presents a stale
      // token; joined subscriptions hand the fresh one to the gateway at once.
      currentToken(true)
        .then((t) => {
          if (!t || !socket.connected) return;
          for (const sub of subs.values()) {
            if (sub.state === "joined") socket.emit("subscribe", { channel: sub.channel, token: t.token });
          }
        })
        .catch(() => {
          refreshTimer = setTimeout(scheduleRefresh, RETRY_MS * 5);
        });
    }, Math.max(1000, lifetime - margin));
  }

  // -- subscriptions ----------------------------------------------------------------------

  function fail(sub, error) {
    sub.state = "failed";
    sub.onError(error);
    updateLiveStatus();
  }

  async function sendSubscribe(sub, retried = {}) {
    if (!socket.connected || !subs.has(sub.channel) || sub.state === "failed") return;
    sub.state = "subscribing";
    updateLiveStatus();
    let t;
    try {
      t = await currentToken(retried.forceToken);
    } catch {
      setTimeout(() => sendSubscribe(sub), RETRY_MS * 2);
      return;
    }
    if (sub.state === "failed" || subs.get(sub.channel) !== sub) return;
    const payload = { channel: sub.channel };
    if (sub.position !== null) payload.since = sub.position;
    if (t) payload.token = t.token;
    const generation = sub.generation;
    socket.timeout(ACK_TIMEOUT_MS).emit("subscribe", payload, (err, ack) => {
      if (subs.get(sub.channel) !== sub || sub.generation !== generation) return;
      if (err || !ack) {
        setTimeout(() => sendSubscribe(sub), RETRY_MS); // no answer: try again
        return;
      }
      if (ack.ok) {
        // The subscription is complete up to ack.position: nothing at or below it is missing.
        if (typeof ack.position === "number") sub.position = Math.max(sub.position ?? 0, ack.position);
        sub.state = "joined";
        updateLiveStatus();
        return;
      }
      const code = ack.error && ack.error.code;
      if ((code === "token_expired" || code === "forbidden") && !retried.forceToken) {
        sendSubscribe(sub, { forceToken: true }); // a fresh token (access may be new)
      } else if (code === "rate_limited" || code === "unavailable") {
        setTimeout(() => sendSubscribe(sub), RETRY_MS * 2);
      } else {
        fail(sub, ack.error || { code: "bad_request", message: "subscribe refused" });
      }
    });
  }

  socket.on("event", (envelope) => {
    if (!envelope || !Array.isArray(envelope.channels)) return;
    const position = envelope.position;
    for (const channel of envelope.channels) {
      const sub = subs.get(channel);
      if (!sub || sub.state === "failed") continue;
      if (typeof position === "number") {
        if (sub.position !== null && position <= sub.position) continue; // seen already
        sub.position = position;
      }
      try {
        sub.onEvent(envelope);
      } catch (error) {
        console.error("todo-realtime: onEvent failed", error);
      }
    }
  });

  // -- connection lifecycle ---------------------------------------------------------------

  socket.on("connect", () => {
    attempts = 0;
    for (const sub of subs.values()) {
      if (sub.state !== "failed") {
        sub.generation += 1;
        sendSubscribe(sub);
      }
    }
    updateLiveStatus();
  });

  socket.on("disconnect", (reason) => {
    for (const sub of subs.values()) if (sub.state !== "failed") sub.state = "waiting";
    if (closed) return setStatus("offline");
    setStatus(downStatus());
    // A server-side Socket.IO disconnect is final for socket.io-client: come back anyway.
    if (reason === "io server disconnect") setTimeout(() => !closed && socket.connect(), RETRY_MS);
  });

  socket.on("connect_error", (error) => {
    attempts += 1;
    setStatus(downStatus());
    if (error && error.message === "invalid_token") token = null; // fetch a new one
    // Refusals by the server (invalid_token, unavailable) are not retried by socket.io.
    if (!socket.active && !closed) {
      const delay = Math.min(5000, RETRY_MS * attempts);
      setTimeout(() => !closed && !socket.connected && socket.connect(), delay);
    }
  });

  socket.io.on("reconnect_attempt", () => setStatus(downStatus()));

  const onBrowserOnline = () => {
    if (!socket.connected) setStatus(downStatus());
  };
  if (typeof window !== "undefined") {
    window.addEventListener("online", onBrowserOnline);
    window.addEventListener("offline", onBrowserOnline);
  }

  socket.connect();

  // -- the public interface ---------------------------------------------------------------

  return {
    /**
     * Follow `channel`. onEvent(envelope) gets its events; options.since (a store position,
     * typically the X-Read-Position of the read that drew the page) replays everything
     * after it first; options.onError({code, message}) is told when the gateway or the API
     * refuses the channel for good (the subscription is then dropped).
     */
    subscribe(channel, onEvent, subOptions = {}) {
      const existing = subs.get(channel);
      if (existing && existing.state !== "failed") return existing.handle;
      const sub = {
        channel,
        onEvent,
        onError: subOptions.onError || (() => {}),
        position: typeof subOptions.since === "number" ? subOptions.since : null,
        state: "waiting",
        generation: 0,
      };
      sub.handle = {
        channel,
        get position() {
          return sub.position;
        },
        unsubscribe() {
          if (subs.get(channel) !== sub) return;
          subs.delete(channel);
          if (socket.connected && sub.state === "joined") socket.emit("unsubscribe", { channel });
          updateLiveStatus();
        },
      };
      subs.set(channel, sub);
      sendSubscribe(sub);
      return sub.handle;
    },
    /** Call listener(state) on every change; returns a function that stops it. */
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    get status() {
      return status;
    },
    /** The underlying socket.io Socket, for anything this module does not cover. */
    socket,
    /** Disconnect for good. */
    close() {
      closed = true;
      clearTimeout(refreshTimer);
      if (typeof window !== "undefined") {
        window.removeEventListener("online", onBrowserOnline);
        window.removeEventListener("offline", onBrowserOnline);
      }
      socket.disconnect();
      setStatus("offline");
    },
  };
}
