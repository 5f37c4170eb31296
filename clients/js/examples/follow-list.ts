// A typed example: follow a list live, narrowing events by type, showing presence and gaps.
// Checked by `tsc --noEmit` in make test (clients/js/tsconfig.json).
import { connect, type StoreEvent, type Gap, type Presence } from "@realtime-todo/client";

async function fetchToken(channels: string[]) {
  const response = await fetch("http://localhost:8000/api/realtime/token", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer <api token>" },
    body: JSON.stringify({ channels }),
  });
  if (!response.ok) throw Object.assign(new Error("token refused"), { channel: channels[0] });
  return (await response.json()) as { token: string; expires_at: string; channels: string[] };
}

const client = connect("http://localhost:9000", { getToken: fetchToken });
const titles = new Map<string, string>();

const subscription = client.subscribe<StoreEvent>(
  "list:6f1c2a52-8e0b-4c1d-9a53-2f7d1e0b9c11",
  (event) => {
    switch (event.type) {
      case "TodoCreated":
      case "TodoRenamed":
        titles.set(event.data.todo_id, event.data.title);
        break;
      case "TodoDeleted":
        titles.delete(event.data.todo_id);
        break;
      case "ListDeleted":
        console.log("gone; members were", event.data.member_ids.join(", "));
        break;
      default:
        console.log(event.type, "at", event.position);
    }
  },
  {
    since: 0,
    onPresence: (presence: Presence | null) =>
      console.log("viewing now:", presence ? presence.users.map((u) => u.username) : "unknown"),
    onError: ({ code, message }) => console.error("refused:", code, message),
  },
);
client.onGap((gap: Gap) => console.warn(`${gap.channel}: could not recover (${gap.reason})`));
client.onStatus((status) => console.log("status", status));
const position: number | null = subscription.position;
console.log(position);
