// A small driver around the official socket.io-client v4, for the gateway's tests.
//
// Usage: node gateway_client.js '<json options>'
//   {url, token?, transports?, subscribe?: [{channel, since?}], expect?: n, timeoutMs?}
// Prints one JSON object per line: {kind: "connect_error"|"connected"|"ack"|"event"|
// "notice"|"disconnect"|"done"|"timeout", ...} and exits once `expect` events arrived.
"use strict";

const { io } = require("socket.io-client");

const options = JSON.parse(process.argv[2]);
const print = (kind, body) => process.stdout.write(JSON.stringify({ kind, ...body }) + "\n");

const socket = io(options.url, {
  auth: options.token ? { token: options.token } : undefined,
  transports: options.transports || ["websocket"],
  reconnection: false,
});
let received = 0;
const expected = options.expect || 0;

const finish = (kind, code) => {
  print(kind, { received });
  socket.close();
  setTimeout(() => process.exit(code), 50);
};

setTimeout(() => finish("timeout", 3), options.timeoutMs || 60000);

socket.on("connect_error", (err) => {
  print("connect_error", { message: err.message, data: err.data });
  finish("done", 0);
});

socket.on("connect", async () => {
  print("connected", { transport: socket.io.engine.transport.name });
  for (const request of options.subscribe || []) {
    const ack = await socket.timeout(60000).emitWithAck("subscribe", request);
    print("ack", { ack });
  }
  if (expected === 0) finish("done", 0);
  else print("ready", {});
});

socket.on("event", (envelope) => {
  received += 1;
  print("event", { envelope });
  if (received >= expected) finish("done", 0);
});

socket.on("disconnecting", (notice) => print("notice", { notice }));
socket.on("disconnect", (reason) => print("disconnect", { reason }));
