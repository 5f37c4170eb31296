// Writes types/schemas.d.ts: TypeScript types of the envelope, every store event and its data,
// other services' events and the gateway's Socket.IO messages, generated from the JSON Schemas
// in schemas/ (json-schema-to-typescript). `--check` exits 1 if the committed file is stale.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const here = fileURLToPath(new URL(".", import.meta.url));
const SCHEMAS = resolve(process.env.SCHEMAS_DIR || join(here, "..", "..", "..", "schemas"));
const OUT = join(here, "..", "types", "schemas.d.ts");

const files = [
  "envelope.schema.json",
  "service-event.schema.json",
  ...readdirSync(join(SCHEMAS, "events")).sort().map((f) => `events/${f}`),
  ...readdirSync(join(SCHEMAS, "data")).sort().map((f) => `data/${f}`),
  ...readdirSync(join(SCHEMAS, "gateway")).sort().map((f) => `gateway/${f}`),
];
const root = {
  title: "RealtimeTodoSchemas",
  description: "Every schema of schemas/, so that each type is declared once.",
  type: "object",
  additionalProperties: false,
  properties: Object.fromEntries(files.map((f) => [f, { $ref: `./${f}` }])),
};
const banner =
  "/* Generated from schemas/ by clients/js/scripts/generate-types.mjs (json-schema-to-typescript): do not edit. */";
const text = await compile(root, "RealtimeTodoSchemas", {
  cwd: SCHEMAS,
  bannerComment: banner,
  additionalProperties: false,
  strictIndexSignatures: true,
  style: { singleQuote: false },
});
if (process.argv.includes("--check")) {
  const committed = readFileSync(OUT, "utf8");
  if (committed !== text) {
    console.error("types/schemas.d.ts is stale: run `npm run types` in clients/js");
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
}
