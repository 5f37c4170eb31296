// Realtime tokens for the channels a client follows: fetched from the application's token
// provider only when the cached one does not cover them, and renewed before they expire.

const EARLY_MS = 5000; // a token this close to its expiry counts as expired

/**
 * @param {(channels: string[]) => Promise<{token: string, expires_at: string, channels?: string[]} | null>} provider
 * @param {object} hooks
 * @param {() => string[]} hooks.wanted the channels that need a token now
 * @param {(channel: string, error: Error) => void} hooks.refused the provider refused one channel
 * @param {(token: object) => void} hooks.renewed a fresh token arrived by the refresh timer
 * @param {number | undefined} refreshMargin seconds before expiry to renew (default: a fifth
 *   of the lifetime, at least 5 s)
 */
export function tokenCache(provider, hooks, refreshMargin) {
  let current = null; // {token, expiresAt, channels: Set}
  let inFlight = null;
  let timer = null;
  let stopped = false;

  function covers(t, channels) {
    return t && t.expiresAt - Date.now() > EARLY_MS && channels.every((c) => t.channels.has(c));
  }

  async function fetchFor(channels) {
    for (;;) {
      try {
        const answer = await provider(channels);
        if (!answer) return null;
        current = {
          token: answer.token,
          expiresAt: Date.parse(answer.expires_at),
          channels: new Set(answer.channels || channels),
        };
        schedule();
        return current;
      } catch (error) {
        // A provider that refuses one channel names it in error.channel: drop that one.
        const refused = error && error.channel;
        if (refused && channels.includes(refused)) {
          hooks.refused(refused, error);
          channels = channels.filter((c) => c !== refused);
          if (channels.length === 0) return null;
          continue;
        }
        throw error;
      }
    }
  }

  /** A token for every wanted channel (null when none needs one). */
  async function get(force = false) {
    const channels = hooks.wanted();
    if (channels.length === 0) return null;
    if (!force && covers(current, channels)) return current;
    if (!inFlight) inFlight = fetchFor(channels).finally(() => (inFlight = null));
    const fresh = await inFlight;
    // Channels may have been added while it was being fetched.
    if (fresh && !covers(fresh, hooks.wanted())) return get(true);
    return fresh;
  }

  function schedule() {
    clearTimeout(timer);
    if (stopped || !current) return;
    const lifetime = current.expiresAt - Date.now();
    const margin = refreshMargin ? refreshMargin * 1000 : Math.max(EARLY_MS, lifetime / 5);
    timer = setTimeout(() => {
      get(true)
        .then((t) => t && hooks.renewed(t))
        .catch(() => {
          timer = setTimeout(schedule, EARLY_MS); // the provider failed: try again soon
        });
    }, Math.max(1000, lifetime - margin));
  }

  return {
    get,
    /** Forget the cached token (the gateway refused it). */
    invalidate() {
      current = null;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
