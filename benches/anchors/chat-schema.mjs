// Our speechsense-chat rules as far as JSON Schema can say them (see benches/README.md,
// validate.bench.mjs): `messages` is a non-empty array of objects with user_id, text, timestamp;
// `user_id` is one of the metadata's ids (as a string and, when numeric, as an integer);
// `timestamp` matches an RFC 3339 date-time. Used by the ajv size anchors and the validation bench.
export const RFC3339 = "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt]([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$";

export function chatSchema(metadata) {
  const idEnum = [];
  for (const k of ["operator_id", "client_id", "bot_id"]) {
    if (metadata[k] === undefined) continue;
    idEnum.push(metadata[k]);
    if (/^-?\d+$/.test(metadata[k])) idEnum.push(Number(metadata[k]));
  }
  return {
    type: "object",
    required: ["messages"],
    properties: {
      messages: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["user_id", "text", "timestamp"],
          properties: {
            user_id: { enum: idEnum },
            text: { type: "string" },
            timestamp: { type: "string", pattern: RFC3339 },
          },
        },
      },
    },
  };
}

/** The metadata of the validation bench's chat (its ids go into the schema's enum). */
export const BENCH_METADATA = {
  operator_name: "Анна Смирнова", operator_id: "op-4821",
  client_name: "John Doe", client_id: "7700123",
  bot_name: "Support bot", bot_id: "bot-support",
  date: "2024-03-01T08:00:00+03:00", direction_outgoing: "false", language: "ru-RU,en-US",
};
