// Size anchor: ajv compiling, in the page, the JSON Schema of our speechsense-chat check
// (chat-schema.mjs, the same one validate.bench.mjs times), then JSON.parse + validate.
// Most sites do this; ajv-standalone.mjs is the smaller precompiled variant.
import Ajv from "ajv";
import { chatSchema } from "./chat-schema.mjs";

export function checkChat(text, metadata) {
  const validate = new Ajv({ allErrors: true }).compile(chatSchema(metadata));
  const ok = validate(JSON.parse(text));
  return { ok, errors: ok ? [] : validate.errors };
}
