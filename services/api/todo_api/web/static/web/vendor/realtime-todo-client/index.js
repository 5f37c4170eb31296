// @realtime-todo/client — follow Realtime TODO channels through the Socket.IO gateway
// (docs/asyncapi.yaml, CONTRACT.md §5–6), on top of socket.io-client v4 (a peer dependency).
//
//   import { connect } from "@realtime-todo/client";
//   const client = connect("http://localhost:9000", { getToken: (channels) => fetchToken(channels) });
//   const sub = client.subscribe("list:<uuid>", (envelope) => apply(envelope), {
//     since: readPosition,                       // X-Read-Position of the read that drew the page
//     onPresence: ({ count, users }) => show(users),
//     onError: ({ code, message }) => …,        // refused for good; the subscription ends
//   });
//   client.onGap(({ channel, reason }) => …);   // what could not be recovered
//   sub.unsubscribe(); client.close();
//
// Guarantees to onEvent: store events of a channel in ascending `position`, each once, across
// any reconnect (every subscription is renewed with `since` = the last position it has, so the
// gateway replays what was missed); other services' live-only events once each (by `id`).

import { io as socketIo } from "socket.io-client";
import { tokenCache } from "./tokens.js";

export { apiTokenProvider } from "./provider.js";

const ACK_TIMEOUT_MS = 15000;
const RETRY_MS = 1000;
const OFFLINE_AFTER_ATTEMPTS = 5;
const SEEN_IDS = 2000; // live-only event ids remembered per subscription
const RETRYABLE = new Set(["rate_limited", "unavailable"]);

/**
 * Connect to the gateway at `url`. See types/index.d.ts for every option and the returned
 * client's methods.
 */
export function connect(url, options = {}) {
  const io = options.io || socketIo;
  const subs = new Map(); // channel -> subscription state
  const statusListeners = new Set();
  const gapListeners = new Set();
  let status = "connecting";
  let attempts = 0;
  let closed = false;
  let disconnectedAt = null;
  let lastNotice = null; // the last `disconnecting` {code, message} the gateway sent

  const tokens = tokenCache(
    options.getToken || (async () => null),
    {
      wanted: () => [...subs.values()].filter((s) => s.state !== "failed").map((s) => s.channel).sort(),
      refused: (channel, error) => subs.has(channel) && fail(subs.get(channel), "forbidden", error.message),
      renewed: (t) => {
        // Hand the fresh token to the gateway for every joined subscription, so that a
        // later check (or a reconnect) never meets a stale one.
        if (!socket.connected) return;
        for (const sub of subs.values()) {
          if (sub.state === "joined") socket.emit("subscribe", { channel: sub.channel, token: t.token });
        }
      },
    },
    options.refreshMargin,
  );

  const socket = io(url, {
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...(options.socketOptions || {}),
    auth: (cb) => {
      tokens
        .get()
        .then((t) => cb(t ? { token: t.token } : {}))
        .catch(() => cb({}));
    },
  });

  // -- status and gaps --------------------------------------------------------------------

  function setStatus(next) {
    if ((closed && next !== "offline") || next === status) return;
    status = next;
    for (const listener of statusListeners) listener(status);
  }

  function downStatus() {
    const browserOffline = typeof navigator !== "undefined" && navigator.onLine === false;
    return browserOffline || attempts >= OFFLINE_AFTER_ATTEMPTS ? "offline" : "reconnecting";
  }

  function updateLiveStatus() {
    if (!socket.connected) return;
    const pending = [...subs.values()].some((s) => s.state === "subscribing");
    setStatus(pending ? "reconnecting" : "live");
  }

  function reportGap(sub, gap) {
    const report = { channel: sub.channel, after: sub.position, ...gap };
    safely(sub.onGap, report);
    for (const listener of gapListeners) safely(listener, report);
  }

  // -- subscriptions ----------------------------------------------------------------------

  function fail(sub, code, message, reason = code) {
    if (sub.state === "failed") return;
    const wasResuming = sub.resuming;
    sub.state = "failed";
    sub.presence = null;
    // Events after sub.position will not come: after a reconnect (a resume that was refused)
    // or a revocation, that is a gap the client cannot fill.
    if (wasResuming || reason === "revoked") reportGap(sub, { reason });
    safely(sub.onError, { code, message });
    updateLiveStatus();
  }

  async function sendSubscribe(sub, retried = {}) {
    if (!socket.connected || subs.get(sub.channel) !== sub || sub.state === "failed") return;
    sub.state = "subscribing";
    updateLiveStatus();
    let t;
    try {
      t = await tokens.get(retried.forceToken);
    } catch {
      setTimeout(() => sendSubscribe(sub), RETRY_MS * 2); // the token provider failed
      return;
    }
    if (sub.state === "failed" || subs.get(sub.channel) !== sub) return;
    const payload = { channel: sub.channel };
    if (sub.position !== null) payload.since = sub.position;
    if (t) payload.token = t.token;
    const generation = sub.generation;
    socket.timeout(ACK_TIMEOUT_MS).emit("subscribe", payload, (err, ack) => {
      if (subs.get(sub.channel) !== sub || sub.generation !== generation) return;
      if (err || !ack) return setTimeout(() => sendSubscribe(sub, retried), RETRY_MS);
      if (ack.ok) return joined(sub, ack);
      const code = ack.error?.code || "bad_request";
      const message = ack.error?.message || "subscribe refused";
      if ((code === "token_expired" || code === "forbidden") && !retried.forceToken) {
        sendSubscribe(sub, { forceToken: true }); // a fresh token (access may be new)
      } else if (RETRYABLE.has(code)) {
        setTimeout(() => sendSubscribe(sub, retried), RETRY_MS * 2);
      } else {
        fail(sub, code, message);
      }
    });
  }

  function joined(sub, ack) {
    // Complete up to ack.position: nothing at or below it is missing.
    if (typeof ack.position === "number") sub.position = Math.max(sub.position ?? 0, ack.position);
    sub.state = "joined";
    if (sub.resuming && sub.lostSince !== null && !sub.channel.startsWith("list:")) {
      // Store events were replayed; other services' events of the outage are gone (§3).
      reportGap(sub, { reason: "live_only_lost", from: sub.lostSince, until: new Date() });
    }
    sub.resuming = false;
    sub.lostSince = null;
    updateLiveStatus();
  }

  function deliver(sub, envelope) {
    const position = envelope.position;
    if (typeof position === "number") {
      if (sub.position !== null && position <= sub.position) return; // seen already
      sub.position = position;
    } else {
      if (sub.seen.has(envelope.id)) return;
      sub.seen.add(envelope.id);
      if (sub.seen.size > SEEN_IDS) sub.seen.delete(sub.seen.values().next().value);
    }
    safely(sub.onEvent, envelope);
  }

  socket.on("event", (envelope) => {
    if (!envelope || !Array.isArray(envelope.channels)) return;
    for (const channel of envelope.channels) {
      const sub = subs.get(channel);
      if (sub && sub.state !== "failed") deliver(sub, envelope);
    }
  });

  socket.on("presence", (presence) => {
    const sub = presence && subs.get(presence.channel);
    if (!sub || sub.state === "failed") return; // none after unsubscribe (§6)
    sub.presence = { channel: presence.channel, count: presence.count, users: presence.users };
    safely(sub.onPresence, sub.presence);
  });

  socket.on("unsubscribed", (notice) => {
    const sub = notice && subs.get(notice.channel);
    if (!sub) return;
    subs.delete(sub.channel);
    fail(sub, notice.reason || "revoked", "the gateway ended this subscription", notice.reason);
  });

  socket.on("disconnecting", (notice) => {
    lastNotice = notice; // the transport closes next; reconnecting resumes with since
  });

  // -- connection lifecycle ---------------------------------------------------------------

  socket.on("connect", () => {
    attempts = 0;
    for (const sub of subs.values()) {
      if (sub.state === "failed") continue;
      sub.generation += 1;
      if (disconnectedAt !== null) {
        sub.resuming = true;
        sub.lostSince = sub.lostSince ?? disconnectedAt;
      }
      sendSubscribe(sub);
    }
    disconnectedAt = null;
    updateLiveStatus();
  });

  socket.on("disconnect", (reason) => {
    disconnectedAt = disconnectedAt ?? new Date();
    for (const sub of subs.values()) {
      if (sub.state === "failed") continue;
      sub.state = "waiting";
      sub.presence = null; // stale until the gateway sends it again
      safely(sub.onPresence, null);
    }
    if (closed) return setStatus("offline");
    setStatus(downStatus());
    // A server-side disconnect is final for socket.io-client: come back anyway.
    if (reason === "io server disconnect") setTimeout(() => !closed && socket.connect(), RETRY_MS);
  });

  socket.on("connect_error", (error) => {
    attempts += 1;
    setStatus(downStatus());
    if (error && error.message === "invalid_token") tokens.invalidate(); // fetch a new one
    // Refusals by the server (invalid_token) are not retried by socket.io itself.
    if (!socket.active && !closed) {
      const delay = Math.min(5000, RETRY_MS * attempts);
      setTimeout(() => !closed && !socket.connected && socket.connect(), delay);
    }
  });

  socket.io.on("reconnect_attempt", () => setStatus(downStatus()));

  const onBrowserOnline = () => !socket.connected && setStatus(downStatus());
  if (typeof window !== "undefined" && window.addEventListener) {
    window.addEventListener("online", onBrowserOnline);
    window.addEventListener("offline", onBrowserOnline);
  }

  socket.connect();

  // -- the public interface ---------------------------------------------------------------

  return {
    subscribe(channel, onEvent, subOptions = {}) {
      const existing = subs.get(channel);
      if (existing && existing.state !== "failed") return existing.handle;
      const sub = {
        channel,
        onEvent,
        onError: subOptions.onError,
        onPresence: subOptions.onPresence,
        onGap: subOptions.onGap,
        position: typeof subOptions.since === "number" ? subOptions.since : null,
        state: "waiting",
        generation: 0,
        presence: null,
        seen: new Set(),
        resuming: false,
        lostSince: null,
      };
      sub.handle = {
        channel,
        get position() {
          return sub.position;
        },
        get presence() {
          return sub.presence;
        },
        get state() {
          return sub.state;
        },
        unsubscribe() {
          if (subs.get(channel) !== sub) return;
          subs.delete(channel);
          sub.presence = null;
          if (socket.connected && sub.state === "joined") socket.emit("unsubscribe", { channel });
          updateLiveStatus();
        },
      };
      subs.set(channel, sub);
      sendSubscribe(sub);
      return sub.handle;
    },
    presence(channel) {
      return subs.get(channel)?.presence ?? null;
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    onGap(listener) {
      gapListeners.add(listener);
      return () => gapListeners.delete(listener);
    },
    get status() {
      return status;
    },
    get lastNotice() {
      return lastNotice;
    },
    socket,
    close() {
      closed = true;
      tokens.stop();
      if (typeof window !== "undefined" && window.removeEventListener) {
        window.removeEventListener("online", onBrowserOnline);
        window.removeEventListener("offline", onBrowserOnline);
      }
      socket.disconnect();
      setStatus("offline");
    },
  };
}

function safely(fn, value) {
  if (typeof fn !== "function") return;
  try {
    fn(value);
  } catch (error) {
    console.error("@realtime-todo/client: a callback failed", error);
  }
}
