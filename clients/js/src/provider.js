// A token provider over POST /api/realtime/token (the OpenAPI document at /api/openapi.json).

/**
 * Returns getToken(channels) for `connect`. `bearer` is the user's API token (or a function
 * returning it); a browser page signed in with the session cookie passes `credentials:
 * "include"` and its CSRF header in `headers` instead. A 403 names the refused channel in
 * `error.fields.channels`; it is handed on as `error.channel`, so the client drops that one
 * subscription and asks again for the others.
 */
export function apiTokenProvider(apiUrl, options = {}) {
  const doFetch = options.fetch || globalThis.fetch;
  const base = apiUrl.replace(/\/$/, "");
  return async function getToken(channels) {
    const bearer = typeof options.bearer === "function" ? await options.bearer() : options.bearer;
    const response = await doFetch(`${base}/api/realtime/token`, {
      method: "POST",
      credentials: options.credentials,
      headers: {
        "Content-Type": "application/json",
        ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
        ...(options.headers || {}),
      },
      body: JSON.stringify({ channels }),
    });
    const body = await response.json().catch(() => null);
    if (response.ok) return body;
    const problem = (body && body.error) || {};
    const error = new Error(problem.message || `token request failed: ${response.status}`);
    error.status = response.status;
    error.code = problem.code;
    if (response.status === 403 && problem.fields && problem.fields.channels) {
      error.channel = problem.fields.channels;
    }
    throw error;
  };
}
