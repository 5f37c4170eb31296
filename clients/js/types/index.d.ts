// Types of @realtime-todo/client. The message types (envelope, events, data, presence, acks)
// are generated from the JSON Schemas in schemas/ into ./schemas.d.ts.
import type { Socket, ManagerOptions, SocketOptions, io as socketIo } from "socket.io-client";
import type {
  Envelope,
  ListCreatedEvent,
  ListDeletedEvent,
  ListRenamedEvent,
  MemberAddedEvent,
  MemberRemovedEvent,
  Presence,
  ServiceEvent,
  TodoCompletedEvent,
  TodoCreatedEvent,
  TodoDeletedEvent,
  TodoRenamedEvent,
  TodoReopenedEvent,
} from "./schemas.js";

export * from "./schemas.js";

/** Every event the store records; narrow it with `event.type`. */
export type StoreEvent =
  | ListCreatedEvent
  | ListRenamedEvent
  | ListDeletedEvent
  | MemberAddedEvent
  | MemberRemovedEvent
  | TodoCreatedEvent
  | TodoRenamedEvent
  | TodoCompletedEvent
  | TodoReopenedEvent
  | TodoDeletedEvent;

/** What onEvent receives: a store event (with position) or another service's (without). */
export type AnyEvent = StoreEvent | ServiceEvent;

/** What a token provider answers (POST /api/realtime/token's body), or null for none. */
export interface RealtimeToken {
  token: string;
  /** RFC 3339 */
  expires_at: string;
  channels?: string[];
}

/**
 * Fetches a realtime token listing every channel of `channels`. To refuse one channel
 * (the API answered 403 for it), reject with an Error whose `channel` names it: that
 * subscription fails with `forbidden` and the others go on.
 */
export type TokenProvider = (channels: string[]) => Promise<RealtimeToken | null>;

export type Status = "connecting" | "live" | "reconnecting" | "offline";

export interface ClientError {
  /** bad_request | forbidden | token_expired | revoked (and rarely others from the gateway) */
  code: string;
  message: string;
}

/** Events the client could not recover for a channel. */
export interface Gap {
  channel: string;
  /**
   * live_only_lost: after a reconnect, other services' events (live-only, never stored)
   *   published between `from` and `until` are gone; store events were replayed.
   * revoked: access ended (MemberRemoved / ListDeleted); nothing after `after` will come.
   * forbidden | bad_request | token_expired: a resume after a reconnect was refused for good.
   */
  reason: "live_only_lost" | "revoked" | "forbidden" | "bad_request" | "token_expired" | string;
  /** the last store position the subscription had (null if it had none) */
  after: number | null;
  from?: Date;
  until?: Date;
}

export interface SubscribeOptions {
  /** a store position: replay every event of the channel after it first */
  since?: number;
  /** refused for good (the subscription ends) */
  onError?: (error: ClientError) => void;
  /** presence state of a list: channel (§6); null while disconnected (stale) */
  onPresence?: (presence: Presence | null) => void;
  onGap?: (gap: Gap) => void;
}

export interface Subscription {
  readonly channel: string;
  /** the last store position delivered or acknowledged as complete */
  readonly position: number | null;
  /** the latest presence of the channel, or null */
  readonly presence: Presence | null;
  readonly state: "waiting" | "subscribing" | "joined" | "failed";
  unsubscribe(): void;
}

export interface ConnectOptions {
  getToken?: TokenProvider;
  /** socket.io-client's io (default: the peer dependency's) */
  io?: typeof socketIo;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** seconds before expiry at which the token is renewed (default a fifth of its lifetime, ≥ 5 s) */
  refreshMargin?: number;
}

export interface Client {
  subscribe<E extends Envelope = AnyEvent>(
    channel: string,
    onEvent: (event: E) => void,
    options?: SubscribeOptions,
  ): Subscription;
  presence(channel: string): Presence | null;
  /** listener(state) now and on every change; returns a function that stops it */
  onStatus(listener: (status: Status) => void): () => void;
  onGap(listener: (gap: Gap) => void): () => void;
  readonly status: Status;
  /** the last `disconnecting` notice ({code: slow_consumer | server_shutdown, message}) */
  readonly lastNotice: { code: string; message: string } | null;
  /** the underlying socket.io Socket */
  readonly socket: Socket;
  close(): void;
}

export function connect(url: string, options?: ConnectOptions): Client;

export interface ApiTokenProviderOptions {
  /** the user's API bearer token, or a function returning it */
  bearer?: string | (() => string | Promise<string>);
  /** e.g. "include" for a page signed in with the session cookie */
  credentials?: "include" | "same-origin" | "omit";
  /** extra headers (a page's X-CSRFToken) */
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

/** A TokenProvider over POST /api/realtime/token; a 403 becomes error.channel. */
export function apiTokenProvider(apiUrl: string, options?: ApiTokenProviderOptions): TokenProvider;
