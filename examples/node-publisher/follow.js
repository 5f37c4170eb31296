// Follow a public: channel with the client package and print each event as a JSON line.
//   node follow.js public:news [count]      (GATEWAY_URL, default http://localhost:9000)
import { connect } from "@realtime-todo/client";

const [channel = "public:news", count = "1"] = process.argv.slice(2);
const client = connect(process.env.GATEWAY_URL || "http://localhost:9000"); // anonymous
let left = Number(count);
const sub = client.subscribe(channel, (event) => {
  console.log(JSON.stringify({ kind: "event", event }));
  if (--left <= 0) {
    client.close();
    process.exit(0);
  }
}, { onError: (error) => { console.error(JSON.stringify(error)); process.exit(1); } });
const ready = setInterval(() => {
  if (sub.state === "joined") {
    console.log(JSON.stringify({ kind: "ready", channel }));
    clearInterval(ready);
  }
}, 50);
