// The shipped JSON Schemas (schemas/ at the repository root, draft 2020-12) loaded into ajv.
// Draft 2020-12 needs `ajv/dist/2020` (the default `ajv` export is draft-07). Every file is
// added under its `$id`, so the `$ref`s between them (events/<Type> → envelope + data/<Type>,
// service-event → envelope) resolve without any network access.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";

export const SCHEMAS_DIR = resolve(
  process.env.SCHEMAS_DIR || join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "schemas"),
);
const BASE = "https://realtime-todo.example/schemas/";

function* schemaFiles(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* schemaFiles(path);
    else if (name.endsWith(".schema.json")) yield path;
  }
}

/** An ajv instance holding every schema of `dir`; look schemas up with `validator(relative)`. */
export function loadSchemas(dir = SCHEMAS_DIR) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  for (const path of schemaFiles(dir)) ajv.addSchema(JSON.parse(readFileSync(path, "utf8")));
  return {
    ajv,
    /** The compiled validator of e.g. "service-event.schema.json" or "events/TodoCreated.schema.json". */
    validator(relative) {
      const validate = ajv.getSchema(BASE + relative);
      if (!validate) throw new Error(`no schema ${relative} in ${dir}`);
      return validate;
    },
  };
}

/** ajv's errors as short lines ("/channels/0 must match pattern ..."). */
export function describeErrors(errors) {
  return (errors || []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}
