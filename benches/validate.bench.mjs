// Validation speed: a ~20 MB SpeechSense chat (100,000 messages) checked in headless Chromium by
// our `validate()` (wasm), against a baseline measured in the same page and the same run:
// `JSON.parse` followed by an equivalent ajv schema compiled with `allErrors: true`.
//
// Figures: median MB/s (1 MB = 10^6 bytes of UTF-8 input) over RUNS timed runs after a warm-up,
// and the ratio ours/baseline (> 1 means ours is faster). See benches/README.md.
import { createRequire } from "node:module";
import { env, openBenchPage, median, table } from "./_browser.mjs";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const standaloneCode = require("ajv/dist/standalone").default;

const BASE = env("BENCH_DEVSERVER");
const RUNS = Number(process.env.BENCH_RUNS || 7);
const MESSAGES = Number(process.env.BENCH_MESSAGES || 100_000);
const BAD_SHARE = 0.01;

// ---------------------------------------------------------------------------------------------
// The input: deterministic (seeded), realistic chat traffic.

function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EN = ("hello thanks order delivery payment refund card account number please wait checking your " +
  "request sorry for the delay today tomorrow address courier tracking status invoice plan tariff " +
  "subscription cancel change confirm email phone support agent minute problem solved great").split(" ");
const RU = ("здравствуйте спасибо заказ доставка оплата возврат карта номер пожалуйста подождите проверяю " +
  "ваш запрос извините задержку сегодня завтра адрес курьер статус счёт тариф подписка отменить").split(" ");
const EXTRA = ["Grüße", "café", "naïve", "São Paulo", "Zürich", "€12.50", "№ 4471", "ok 👍", "🙂", "—", "«да»",
  "\"quoted\"", "C:\\temp\\file.txt", "line\nbreak", "tab\there", "50%", "#A-1029", "i.e.", "e-mail"];

const META = {
  operator_name: "Анна Смирнова", operator_id: "op-4821",
  client_name: "John Doe", client_id: "7700123",
  bot_name: "Support bot", bot_id: "bot-support",
  date: "2024-03-01T08:00:00+03:00", direction_outgoing: "false", language: "ru-RU,en-US",
};
// In the chat the client's id is written as a JSON integer, as in the seed's template.
const SENDERS = ["op-4821", 7700123, "bot-support"];

function timestamp(ms, r) {
  const k = r();
  if (k < 0.5) return new Date(ms).toISOString(); // 2024-03-01T05:00:00.123Z
  if (k < 0.75) return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const off = k < 0.9 ? 180 : -330; // +03:00 or -05:30, the same instant
  const local = new Date(ms + off * 60_000).toISOString().replace(/Z$/, "");
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

const BAD_TIMESTAMPS = ["2024-03-01 08:00:00", "01/03/2024 08:00", "2024-03-01T08:00:00", "2024-13-01T08:00:00Z", "yesterday"];

function makeChat(seed, badShare) {
  const r = rng(seed);
  let ms = Date.parse("2024-03-01T05:00:00Z");
  let bad = 0;
  const messages = new Array(MESSAGES);
  for (let i = 0; i < MESSAGES; i++) {
    ms += 1000 + Math.floor(r() * 60_000);
    const words = [];
    const n = 3 + Math.floor(r() * 17);
    const lang = r();
    for (let w = 0; w < n; w++) {
      const x = r();
      words.push(x < 0.04 ? EXTRA[Math.floor(r() * EXTRA.length)] : (lang < 0.35 ? RU : EN)[Math.floor(r() * (lang < 0.35 ? RU : EN).length)]);
    }
    let text = words.join(" ");
    text = text[0].toUpperCase() + text.slice(1) + (r() < 0.2 ? "?" : ".");
    let ts = timestamp(ms, r);
    if (badShare && r() < badShare) {
      ts = BAD_TIMESTAMPS[bad++ % BAD_TIMESTAMPS.length];
    }
    messages[i] = { user_id: SENDERS[i % 3 === 2 ? 2 : i % 2], text, timestamp: ts };
  }
  return { json: JSON.stringify({ messages }, null, 2), bad };
}

// ---------------------------------------------------------------------------------------------
// The baseline's schema: our speechsense-chat rules, as far as JSON Schema can say them.
// - `messages`: a non-empty array of objects with user_id, text, timestamp.
// - `user_id`: one of the metadata's ids, as a string or as an integer (an `enum` built from the
//   metadata, so ajv does check membership; it also covers "string or integer" and "non-empty").
// - `timestamp`: an RFC 3339 date-time with Z or an offset, by a regex (ajv-formats is not
//   installed). A regex cannot check the calendar (2024-02-30 passes), ours does.
// Not expressible (ajv does less work): line/column of each issue, duplicate keys (JSON.parse
// keeps the last), out-of-order timestamp warnings, empty-text warnings, RFC 6901 pointers with
// messages written for people.
const RFC3339 = "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt]([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$";
const idEnum = [];
for (const k of ["operator_id", "client_id", "bot_id"]) {
  idEnum.push(META[k]);
  if (/^-?\d+$/.test(META[k])) idEnum.push(Number(META[k]));
}
const schema = {
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

function ajvModule() {
  const ajv = new Ajv({ allErrors: true, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(schema));
  if (/\brequire\(/.test(code)) throw new Error("the standalone ajv code needs a runtime require(); inline it");
  return code;
}

// ---------------------------------------------------------------------------------------------
// The page side. Runs in Chromium; everything it needs comes from /__bench/ and /pkg/.

async function inPage({ runs }) {
  const pkg = await import("/pkg/talk_uploader.js");
  const wasm = await pkg.default();
  const wasmMemoryBefore = wasm.memory.buffer.byteLength;
  const ajvValidate = (await import("/__bench/ajv-chat.mjs")).default;
  const metadata = await (await fetch("/__bench/metadata.json")).json();
  const load = async (name) => {
    const bytes = new Uint8Array(await (await fetch(`/__bench/${name}`)).arrayBuffer());
    return { bytes, text: new TextDecoder().decode(bytes) };
  };
  const docs = { valid: await load("chat.json"), invalid: await load("chat-invalid.json") };
  const opts = { kind: "speechsense-chat", metadata };

  const variants = {
    "ours string": (d) => { const r = pkg.validate(d.text, opts); return { ok: r.ok, errors: r.errors.length, warnings: r.warnings.length }; },
    "ours Uint8Array": (d) => { const r = pkg.validate(d.bytes, opts); return { ok: r.ok, errors: r.errors.length, warnings: r.warnings.length }; },
    "JSON.parse+ajv string": (d) => { const ok = ajvValidate(JSON.parse(d.text)); return { ok, errors: ok ? 0 : ajvValidate.errors.length }; },
    "TextDecoder+JSON.parse+ajv Uint8Array": (d) => { const ok = ajvValidate(JSON.parse(new TextDecoder().decode(d.bytes))); return { ok, errors: ok ? 0 : ajvValidate.errors.length }; },
    // For reading the others: what the parse alone costs (no checks at all).
    "JSON.parse only string": (d) => { JSON.parse(d.text); return { ok: null }; },
    // What handing a string to wasm costs at least: its UTF-8 encoding.
    "TextEncoder.encode only string": (d) => { new TextEncoder().encode(d.text); return { ok: null }; },
  };
  const names = Object.keys(variants);
  const out = {};
  for (const [docName, d] of Object.entries(docs)) {
    const times = Object.fromEntries(names.map((n) => [n, []]));
    const results = {};
    for (const n of names) results[n] = variants[n](d); // warm-up (and JIT/wasm tier-up)
    for (let i = 0; i < runs; i++) {
      // Rotate the order so that drift on a shared machine hits every variant alike.
      for (let j = 0; j < names.length; j++) {
        const n = names[(i + j) % names.length];
        globalThis.gc?.();
        const t0 = performance.now();
        const r = variants[n](d);
        times[n].push(performance.now() - t0);
        results[n] = r;
      }
    }
    out[docName] = { bytes: d.bytes.length, times, results };
  }
  out.wasmMemory = wasm.memory.buffer.byteLength;
  out.wasmMemoryBefore = wasmMemoryBefore;
  return out;
}

// ---------------------------------------------------------------------------------------------

const t0 = Date.now();
const valid = makeChat(1, 0);
const invalid = makeChat(1, BAD_SHARE);
const files = {
  "chat.json": { body: valid.json, contentType: "application/json" },
  "chat-invalid.json": { body: invalid.json, contentType: "application/json" },
  "metadata.json": { body: JSON.stringify(META), contentType: "application/json" },
  "ajv-chat.mjs": { body: ajvModule(), contentType: "text/javascript" },
};
console.log(`input: ${MESSAGES} messages, valid ${(Buffer.byteLength(valid.json) / 1e6).toFixed(1)} MB, ` +
  `invalid ${(Buffer.byteLength(invalid.json) / 1e6).toFixed(1)} MB with ${invalid.bad} bad timestamps ` +
  `(generated in ${((Date.now() - t0) / 1000).toFixed(1)} s); ${RUNS} timed runs after 1 warm-up, median`);

const { page, close } = await openBenchPage(BASE, files, { extraArgs: ["--js-flags=--expose-gc"] });
let res;
try {
  res = await page.evaluate(inPage, { runs: RUNS });
} finally {
  await close();
}

let failed = false;
const rows = [["document", "validator", "median ms", "MB/s", "vs baseline", "result"]];
for (const doc of ["valid", "invalid"]) {
  const r = res[doc];
  const mbps = {};
  for (const [n, ts] of Object.entries(r.times)) mbps[n] = r.bytes / 1e6 / (median(ts) / 1000);
  const base = { "ours string": "JSON.parse+ajv string", "ours Uint8Array": "TextDecoder+JSON.parse+ajv Uint8Array" };
  for (const [n, ts] of Object.entries(r.times)) {
    const x = r.results[n];
    const result = x.ok === null ? "-" : x.ok ? "ok" : `${x.errors} errors` + (x.warnings !== undefined ? `, ${x.warnings} warnings` : "");
    const vs = base[n] ? `${(mbps[n] / mbps[base[n]]).toFixed(2)}x` : n.includes("ajv") ? "1.00x (baseline)" : "(reference)";
    rows.push([doc, n, median(ts).toFixed(1), mbps[n].toFixed(1), vs, result]);
  }
  // A benchmark that measures a wrong answer measures nothing: check the verdicts agree.
  const expectOk = doc === "valid";
  for (const [n, x] of Object.entries(r.results)) {
    if (x.ok === null) continue;
    if (x.ok !== expectOk) { console.error(`FAIL: ${n} says ok=${x.ok} on the ${doc} document`); failed = true; }
    if (!expectOk && x.errors !== invalid.bad) { console.error(`FAIL: ${n} found ${x.errors} errors, the document has ${invalid.bad}`); failed = true; }
  }
}
table(rows, { right: [2, 3, 4] });
console.log(`wasm memory: ${(res.wasmMemoryBefore / 1048576).toFixed(1)} MiB after init, ` +
  `${(res.wasmMemory / 1048576).toFixed(1)} MiB after the runs (it never shrinks)`);
const ratio = (doc, a, b) => {
  const r = res[doc];
  return median(r.times[b]) / median(r.times[a]);
};
console.log(`ours/baseline (string, valid): ${ratio("valid", "ours string", "JSON.parse+ajv string").toFixed(2)}x  (target >= 1.50x)`);
process.exit(failed ? 1 : 0);
