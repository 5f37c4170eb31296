// Reads {events: [envelope…], foreign: [envelope…]} as JSON on stdin; validates each store
// event with schemas/events/<type>.schema.json and each foreign one with
// service-event.schema.json, in ajv (draft 2020-12). Prints one JSON line per envelope.
import { loadSchemas, describeErrors } from "../../../examples/node-publisher/schemas.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const { validator } = loadSchemas();
for (const envelope of input.events || []) {
  const validate = validator(`events/${envelope.type}.schema.json`);
  const ok = validate(envelope);
  console.log(JSON.stringify({ kind: "store", id: envelope.id, type: envelope.type, ok, errors: describeErrors(validate.errors) }));
}
const service = validator("service-event.schema.json");
for (const envelope of input.foreign || []) {
  const ok = service(envelope);
  console.log(JSON.stringify({ kind: "foreign", id: envelope.id, type: envelope.type, ok, errors: describeErrors(service.errors) }));
}
