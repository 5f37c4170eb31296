// Shared by the pages: the gateway connection and the connection indicator.

import { realtimeToken } from "./api.js";
import { connect } from "@realtime-todo/client";

const LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/** Connect to the gateway and drive the #connection indicator (a role=status region). */
export function startRealtime(gatewayUrl) {
  const rt = connect(gatewayUrl, { getToken: realtimeToken });
  const indicator = document.getElementById("connection");
  rt.onStatus((state) => {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.querySelector(".connection-text").textContent = LABELS[state] || state;
  });
  window.addEventListener("pagehide", () => rt.close());
  return rt;
}

/** Run fn at most once per `ms` for each key (the last call wins). */
export function debounced(fn, ms = 120) {
  const timers = new Map();
  return (key, ...args) => {
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        fn(key, ...args);
      }, ms),
    );
  };
}
