// Todo creations over keep-alive HTTP for the end-to-end mode: POST {base}{path} with a
// bearer token, title "e2e <seq>"; remembers when each was sent and how each answered.
"use strict";

const http = require("http");
const { now, summarize } = require("./stats");

class Commands {
  constructor({ base, path, token }) {
    this.url = new URL(path, base);
    this.token = token;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.sentAt = [];
    this.answeredAt = [];
    this.latencies = [];
    this.statuses = {};
    this.status = []; // per command: the HTTP status, or the socket error's code
    this.pending = 0;
  }

  post(seq) {
    const body = JSON.stringify({ title: `e2e ${seq}` });
    this.sentAt[seq] = now();
    this.pending += 1;
    const req = http.request(this.url, {
      method: "POST", agent: this.agent,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), Authorization: `Bearer ${this.token}` },
    }, (res) => {
      res.resume();
      res.on("end", () => {
        this.pending -= 1;
        this.statuses[res.statusCode] = (this.statuses[res.statusCode] || 0) + 1;
        this.status[seq] = res.statusCode;
        this.answeredAt[seq] = now();
        this.latencies.push(this.answeredAt[seq] - this.sentAt[seq]);
      });
    });
    req.on("error", (e) => {
      this.pending -= 1;
      this.statuses[e.code || "error"] = (this.statuses[e.code || "error"] || 0) + 1;
      this.status[seq] = e.code || "error";
    });
    req.end(body);
  }

  // A command the API did not accept (429, 5xx, a socket error) made no event: none is due.
  accepted(seq) {
    const status = this.status[seq];
    return typeof status === "number" && status >= 200 && status < 300;
  }

  summary() {
    return { statuses: this.statuses, latency_ms: summarize(Float64Array.from(this.latencies)) };
  }
}

module.exports = { Commands };
