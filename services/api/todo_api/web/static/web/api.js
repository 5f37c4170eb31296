// The JSON API from the page: fetch with the session cookie and X-CSRFToken on unsafe
// methods. Errors become ApiError with the contract's {code, message, fields}.

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/**
 * Call the API. Resolves to {status, data, headers}; rejects with ApiError.
 * `writePosition` / `readPosition` are the contract headers as numbers (or null).
 */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (!["GET", "HEAD"].includes(method)) headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    if (response.status === 401) window.location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new ApiError(
      response.status,
      error.code || "http_error",
      error.message || `The server answered ${response.status}.`,
      error.fields || {},
    );
  }
  const number = (name) => {
    const value = response.headers.get(name);
    return value === null ? null : Number(value);
  };
  return {
    status: response.status,
    data,
    writePosition: number("X-Write-Position"),
    readPosition: number("X-Read-Position"),
  };
}

/** getToken for todo-realtime.js: a realtime token for `channels` from POST /api/realtime/token. */
export async function realtimeToken(channels) {
  try {
    const { data } = await api("POST", "/api/realtime/token", { channels });
    return data;
  } catch (error) {
    // 403 names the first refused channel, so the client can drop it and ask again.
    if (error instanceof ApiError && error.code === "forbidden") error.channel = error.fields.channels;
    throw error;
  }
}

/** A readable message for any error thrown by api(). */
export function messageOf(error) {
  if (error instanceof ApiError) {
    const details = Object.entries(error.fields || {})
      .filter(([, value]) => typeof value === "string")
      .map(([name, value]) => `${name}: ${value}`);
    return details.length && !error.message.includes(details[0].split(": ")[1])
      ? `${error.message} (${details.join("; ")})`
      : error.message;
  }
  return String(error && error.message ? error.message : error);
}

/**
 * GET a read model at least as new as `minPosition` (read-your-writes); if the projector
 * does not get there in time (503), take what there is rather than nothing.
 */
export async function read(path, minPosition) {
  if (!minPosition) return api("GET", path);
  const sep = path.includes("?") ? "&" : "?";
  try {
    return await api("GET", `${path}${sep}min_position=${minPosition}`);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 503 || error.code === "bad_request")) {
      return api("GET", path);
    }
    throw error;
  }
}
