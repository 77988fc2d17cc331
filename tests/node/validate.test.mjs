// validate() and convertChat() through the built package in Node: the JS contract of issue 3
// (string or Uint8Array in, a report out, never a throw for bad input).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

let tu;
before(async () => {
  tu = await import(new URL("../../pkg/index.js", import.meta.url));
  tu.initSync({ module: readFileSync(new URL("../../pkg/talk_uploader_bg.wasm", import.meta.url)) });
});

const META = {
  operator_name: "Ann", operator_id: "op", client_name: "Cid", client_id: "cl", bot_name: "B", bot_id: "bot",
  date: "2024-01-02T03:04:05Z", direction_outgoing: "true", language: "ru-RU",
};

test("a valid chat passes, as a string and as UTF-8 bytes", () => {
  const chat = JSON.stringify({ messages: [
    { user_id: "cl", text: "hé 😀", timestamp: "2024-01-02T03:04:05.123Z" },
    { user_id: "op", text: "hi", timestamp: "2024-01-02T03:04:06+03:00" },
  ] });
  for (const input of [chat, new TextEncoder().encode(chat)]) {
    const r = tu.validate(input, { kind: "speechsense-chat", metadata: META });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    assert.deepEqual(r.errors, []);
    assert.equal(typeof r.stats, "object");
  }
});

test("every error is reported with code, pointer, line and column", () => {
  const chat = '{\n  "messages": [\n    {"user_id": "ghost", "text": 5, "timestamp": "2023-02-29T00:00:00Z"}\n  ]\n}';
  const r = tu.validate(chat, { kind: "speechsense-chat", metadata: JSON.stringify(META) });
  assert.equal(r.ok, false);
  const paths = r.errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ["/messages/0/text", "/messages/0/timestamp", "/messages/0/user_id"]);
  for (const e of r.errors) {
    assert.equal(e.line, 3, JSON.stringify(e));
    assert.ok(e.column > 1 && typeof e.code === "string" && e.message.length > 10, JSON.stringify(e));
  }
  // The column points at the value, counted in UTF-16 code units.
  const ts = r.errors.find((e) => e.path === "/messages/0/timestamp");
  const line3 = chat.split("\n")[2];
  assert.equal(line3.slice(ts.column - 1).startsWith('"2023-02-29'), true);
});

test("malformed JSON gets one error at the exact place, and an actionable message", () => {
  const r = tu.validate('{"messages": [1, 2,]}', { kind: "speechsense-chat" });
  assert.equal(r.ok, false);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 1);
  assert.equal(r.errors[0].column, 19); // the comma itself
  assert.match(r.errors[0].message, /trailing comma/i);
});

test("a missing member is reported at the pointer it would have, on its parent object", () => {
  const meta = { ...META };
  delete meta.bot_id;
  const r = tu.validate(JSON.stringify(meta, null, 2), { kind: "speechsense-metadata", connection: "chat" });
  const e = r.errors.find((x) => x.path === "/bot_id");
  assert.ok(e, JSON.stringify(r.errors));
  assert.equal(e.line, 1);
  assert.equal(e.column, 1);
});

test("metadata numbers must be quoted; the message says so", () => {
  const r = tu.validate(JSON.stringify({ ...META, operator_id: 42 }), { kind: "speechsense-metadata", connection: "chat" });
  const e = r.errors.find((x) => x.path === "/operator_id");
  assert.ok(e);
  assert.match(e.message, /quote/i);
});

test("bad input never throws; bad options throw an UploadError naming the option", () => {
  for (const input of ["", "\uFEFF", new Uint8Array([0xff, 0xfe, 0x00]), "[".repeat(100000), "null"]) {
    const r = tu.validate(input, { kind: "labelbox-conversation" });
    assert.equal(r.ok, false);
    assert.ok(r.errors.length >= 1);
  }
  assert.throws(() => tu.validate("{}", { kind: "nope" }), (e) => e instanceof Error && e.code === "invalid_options" && /options\.kind/.test(e.message) && /speechsense-chat/.test(e.message));
});

test("UploadError is a real Error subclass: instanceof works both ways", () => {
  let caught;
  try { tu.validate("{}", { kind: "vela-chat", nope: 1 }); } catch (e) { caught = e; }
  assert.ok(caught instanceof tu.UploadError, "instanceof UploadError");
  assert.ok(caught instanceof Error, "instanceof Error");
  assert.ok(tu.isUploadError(caught));
  assert.equal(caught.name, "UploadError");
  assert.match(String(caught), /^UploadError: /);
  assert.ok(typeof caught.stack === "string" && caught.stack.length > 0);
  assert.ok(!(new Error("x") instanceof tu.UploadError));
  assert.ok(!(null instanceof tu.UploadError));
  // The class is the errors' own: its prototype is theirs, and callers cannot make one.
  assert.equal(Object.getPrototypeOf(caught), tu.UploadError.prototype);
  assert.equal(caught.constructor, tu.UploadError);
  assert.throws(() => new tu.UploadError("x"), TypeError);
  assert.ok(!(Object.create(Error.prototype) instanceof tu.UploadError));
});

test("convertChat: SpeechSense -> Labelbox -> SpeechSense keeps the messages", () => {
  const chat = JSON.stringify({ messages: [
    { user_id: "cl", text: "hello", timestamp: "2024-01-02T03:04:05.123Z" },
    { user_id: "op", text: "hi there", timestamp: "2024-01-02T03:04:06Z" },
  ] });
  const lb = tu.convertChat(chat, { from: "speechsense", to: "labelbox", metadata: META });
  assert.equal(lb.ok, true, JSON.stringify(lb.errors));
  const doc = JSON.parse(lb.output);
  assert.equal(doc.type, "application/vnd.labelbox.conversational");
  assert.equal(tu.validate(lb.output, { kind: "labelbox-conversation" }).ok, true);
  const back = tu.convertChat(lb.output, { from: "labelbox", to: "speechsense" });
  assert.equal(back.ok, true, JSON.stringify(back.errors));
  const msgs = JSON.parse(back.output).messages;
  assert.deepEqual(msgs.map((m) => [m.user_id, m.text]), [["cl", "hello"], ["op", "hi there"]]);
  assert.equal(Date.parse(msgs[0].timestamp), Date.parse("2024-01-02T03:04:05.123Z"));
});

test("a misspelt option is refused with a suggestion, never silently ignored", async () => {
  assert.throws(() => tu.validate("{}", { kind: "vela-chat", conection: "chat" }),
    (e) => e.code === "invalid_options" && /unknown option `conection`/.test(e.message) && /did you mean "connection"/.test(e.message));
  await assert.rejects(
    tu.uploadText("{}", "{}", { endpoint: "http://127.0.0.1:9", apiKey: "k", connectionId: "c", onprogress: () => {} }),
    (e) => e instanceof tu.UploadError && e.code === "invalid_options" && /did you mean "onProgress"/.test(e.message));
  await assert.rejects(
    tu.presignedUpload(new Blob(["x"]), { presign: { url: "http://127.0.0.1:9", fields: {} }, singal: null }),
    (e) => e.code === "invalid_options" && /did you mean "signal"|unknown option `singal`/.test(e.message));
  assert.throws(() => tu.planChunks(10, { chunksize: 4 }), (e) => /did you mean "chunkSize"/.test(e.message));
});

test("a wrong choice is refused with the list of choices, worded as before", () => {
  const msg = (f) => {
    try {
      f();
    } catch (e) {
      assert.equal(e.code, "invalid_options");
      return e.message;
    }
    assert.fail("did not throw");
  };
  const KINDS = "`speechsense-chat`, `speechsense-metadata`, `vela-chat`, `vela-call-metadata`, `labelbox-conversation`, `labelbox-import`";
  assert.equal(msg(() => tu.validate("{}", { kind: "nope" })), `validate: options.kind: unknown variant \`nope\`, expected one of ${KINDS}`);
  assert.equal(msg(() => tu.validate("{}", { kind: 5 })), `validate: options.kind must be a string: expected one of ${KINDS}`);
  assert.equal(
    msg(() => tu.validate("{}", { kind: "speechsense-metadata", connection: "tv" })),
    "validate: options.connection: unknown variant `tv`, expected one of `chat`, `audio-one-channel`, `audio-two-channel`",
  );
  assert.equal(
    msg(() => tu.convertChat("{}", { from: "vela", to: "nope" })),
    "convertChat: options.to: unknown variant `nope`, expected one of `speechsense`, `vela`, `labelbox`",
  );
  assert.equal(
    msg(() => tu.convertChat("{}", { from: "vela", to: "labelbox", roles: { u1: "boss" } })),
    "convertChat: options.roles.u1: unknown variant `boss`, expected one of `agent`, `customer`, `bot`",
  );
  assert.equal(
    msg(() => tu.convertChat("{}", { from: "vela", to: "labelbox", roles: ["agent"] })),
    "convertChat: options.roles must be an object of name -> expected one of `agent`, `customer`, `bot`",
  );
});
