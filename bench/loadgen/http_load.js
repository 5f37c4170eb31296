// make bench's HTTP load generator (keep-alive, one Node process). argv[2] is a JSON config.
// Prints {"kind":"ready"}; each "go" on stdin runs the mode and prints one {"kind":"result"}.
//   write  `concurrency` workers, each POSTing todos ({"title"}) to its own list path in a
//          loop for `durationS`: requests/s, latency, statuses
//   poll   `users` each GET `pollPath` every `intervalMs` (random phase) while one writer POSTs
//          `changeRate` todos/s to the same list; staleness = commit of a change (its POST's
//          answer) -> the first poll whose X-Read-Position includes it
"use strict";

const http = require("http");
const readline = require("readline");
const { now, summarize } = require("./stats");

const cfg = JSON.parse(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.maxSockets || 64 });
let statuses = {};
let busy = false;

function request(method, path, token, body) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = { Authorization: `Bearer ${token}` };
    if (data) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
    const req = http.request(new URL(path, cfg.base), { method, agent, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        resolve({ status: res.statusCode, headers: res.headers });
      });
    });
    req.on("error", (e) => { statuses[e.code || "error"] = (statuses[e.code || "error"] || 0) + 1; resolve({ status: 0, headers: {} }); });
    req.end(data);
  });
}

async function runWrite() {
  const latencies = [];
  let n = 0;
  const started = now();
  const until = started + cfg.durationS * 1000;
  const worker = async (w) => {
    const { path, token } = cfg.targets[w % cfg.targets.length];
    while (now() < until) {
      const t = now();
      const res = await request("POST", path, token, { title: `bench ${n++}` });
      if (res.status === 201) latencies.push(now() - t);
    }
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, (_, w) => worker(w)));
  const span = (now() - started) / 1000;
  return { ok: latencies.length, requests_per_s: latencies.length / span, span_s: span, latency_ms: summarize(Float64Array.from(latencies)) };
}

async function runPoll() {
  const { token } = cfg;
  const polls = Array.from({ length: cfg.users }, () => []); // per user [t, readPosition]
  const changes = []; // [commitTime, writePosition]
  let requests = 0;
  const started = now();
  const until = started + cfg.durationS * 1000;
  const user = async (u) => {
    await new Promise((r) => setTimeout(r, Math.random() * cfg.intervalMs));
    while (now() < until) {
      const t = now();
      const res = await request("GET", cfg.pollPath, token);
      requests += 1;
      const pos = Number(res.headers["x-read-position"]);
      if (res.status === 200) polls[u].push([now(), pos]);
      const wait = t + cfg.intervalMs - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const writer = async () => {
    let n = 0;
    while (now() < until - 2 * cfg.intervalMs) {
      const t = now();
      const res = await request("POST", cfg.writePath, token, { title: `poll ${n++}` });
      if (res.status === 201) changes.push([now(), Number(res.headers["x-write-position"])]);
      const wait = t + 1000 / cfg.changeRate - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  await Promise.all([writer(), ...polls.map((_, u) => user(u))]);
  const span = (now() - started) / 1000;
  const stale = [];
  let unseen = 0;
  for (const list of polls) {
    let k = 0;
    for (const [commit, pos] of changes) {
      while (k < list.length && (list[k][0] < commit || list[k][1] < pos)) k++;
      if (k < list.length) stale.push(list[k][0] - commit); else unseen += 1;
    }
  }
  return { requests, requests_per_s: requests / span, changes: changes.length, unseen, span_s: span, staleness_ms: summarize(Float64Array.from(stale)) };
}

process.stdout.write(JSON.stringify({ kind: "ready" }) + "\n");
// "go" runs the mode once more and prints its result; "exit" ends the process.
readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const word = line.trim();
  if (word === "exit") process.exit(0);
  if (word !== "go" || busy) return;
  busy = true;
  statuses = {};
  const out = await ({ write: runWrite, poll: runPoll }[cfg.mode])();
  process.stdout.write(JSON.stringify({ kind: "result", statuses, ...out }) + "\n");
  busy = false;
});
