// Parses docs/asyncapi.yaml with the official AsyncAPI parser (external $refs resolved from
// the files under schemas/) and prints one JSON line: the diagnostics and what it found.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Parser, fromFile } from "@asyncapi/parser";

const path = resolve(process.argv[2] || "docs/asyncapi.yaml");
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, path).parse({
  source: pathToFileURL(path).href,
});
const errors = diagnostics.filter((d) => d.severity === 0);
const out = {
  errors: errors.map((d) => `${d.path.join("/")}: ${d.message}`),
  warnings: diagnostics.filter((d) => d.severity === 1).map((d) => `${d.path.join("/")}: ${d.message}`),
  version: document ? document.version() : null,
  channels: document ? document.channels().all().map((c) => c.address()) : [],
  messages: document ? document.components().messages().all().map((m) => m.id()) : [],
  operations: document ? document.operations().all().map((o) => o.id()) : [],
};
if (document) {
  // The store events' payloads came through the $refs: their data schemas are there.
  const created = document.components().messages().get("TodoCreated");
  out.todoCreatedDataRequired = created ? created.payload().json().properties?.data?.required ?? null : null;
}
console.log(JSON.stringify(out));
process.exit(errors.length || !document ? 1 : 0);
