// Validation speed: a ~20 MB SpeechSense chat (100,000 messages) checked in headless Chromium by
// our `validate()` (wasm), against a baseline measured in the same page and the same run:
// `JSON.parse` followed by an equivalent ajv schema compiled with `allErrors: true`.
//
// Figures: median MB/s (1 MB = 10^6 bytes of UTF-8 input) over RUNS timed runs after a warm-up,
// and the ratio ours/baseline (> 1 means ours is faster). See benches/README.md.
//
// BENCH_PREVIOUS_PKG=DIR (scripts/bench.sh sets it from BENCH_PREVIOUS=REF): a pkg/ built from an
// earlier commit is loaded in the same page too, and timed in the same rotation: the bench then
// prints ours ÷ previous for each document and input (> 1 means this build is faster).
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { env, openBenchPage, median, table } from "./_browser.mjs";
import { writePart, missing, SMOKE } from "./_results.mjs";
import { chatSchema, BENCH_METADATA } from "./anchors/chat-schema.mjs";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const standaloneCode = require("ajv/dist/standalone").default;

const BASE = env("BENCH_DEVSERVER");
const RUNS = Number(process.env.BENCH_RUNS || (SMOKE ? 1 : 7));
const MESSAGES = Number(process.env.BENCH_MESSAGES || (SMOKE ? 2_000 : 100_000));
const BAD_SHARE = 0.01;
const PREVIOUS = process.env.BENCH_PREVIOUS_PKG || "";
const PREVIOUS_NAME = process.env.BENCH_PREVIOUS_NAME || PREVIOUS;

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

const META = BENCH_METADATA;
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

// The baseline's schema: our speechsense-chat rules as far as JSON Schema can say them
// (benches/anchors/chat-schema.mjs, also the ajv size anchors'). A regex cannot check the
// calendar (2024-02-30 passes), ours does. Not expressible (ajv does less work): line/column of
// each issue, duplicate keys (JSON.parse keeps the last), out-of-order timestamp warnings,
// empty-text warnings, RFC 6901 pointers with messages written for people.
const schema = chatSchema(META);

function ajvModule() {
  const ajv = new Ajv({ allErrors: true, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(schema));
  if (/\brequire\(/.test(code)) throw new Error("the standalone ajv code needs a runtime require(); inline it");
  return code;
}

// ---------------------------------------------------------------------------------------------
// The page side. Runs in Chromium; everything it needs comes from /__bench/ and /pkg/.

async function inPage({ runs, previous }) {
  const pkg = await import("/pkg/index.js");
  const wasm = await pkg.default();
  const prev = previous ? await import(`/__bench/previous/${previous}`) : null;
  await prev?.default();
  const wasmMemoryBefore = wasm.memory.buffer.byteLength;
  const ajvValidate = (await import("/__bench/ajv-chat.mjs")).default;
  const metadata = await (await fetch("/__bench/metadata.json")).json();
  const load = async (name) => {
    const bytes = new Uint8Array(await (await fetch(`/__bench/${name}`)).arrayBuffer());
    return { bytes, text: new TextDecoder().decode(bytes), blob: new Blob([bytes], { type: "application/json" }) };
  };
  const docs = { valid: await load("chat.json"), invalid: await load("chat-invalid.json") };
  const opts = { kind: "speechsense-chat", metadata };
  const ours = (r) => ({ ok: r.ok, errors: r.errors.length, warnings: r.warnings.length });
  const theirs = (ok) => ({ ok, errors: ok ? 0 : ajvValidate.errors.length });

  const variants = {
    "ours string": (d) => ours(pkg.validate(d.text, opts)),
    "ours Uint8Array": (d) => ours(pkg.validate(d.bytes, opts)),
    // A Blob (a dropped File): the entry reads its bytes, then validates them.
    "ours Blob": async (d) => ours(await pkg.validate(d.blob, opts)),
    ...(prev && {
      "previous string": (d) => ours(prev.validate(d.text, opts)),
      "previous Uint8Array": (d) => ours(prev.validate(d.bytes, opts)),
    }),
    "JSON.parse+ajv string": (d) => theirs(ajvValidate(JSON.parse(d.text))),
    "TextDecoder+JSON.parse+ajv Uint8Array": (d) => theirs(ajvValidate(JSON.parse(new TextDecoder().decode(d.bytes)))),
    "Blob.text+JSON.parse+ajv Blob": async (d) => theirs(ajvValidate(JSON.parse(await d.blob.text()))),
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
    for (const n of names) results[n] = await variants[n](d); // warm-up (and JIT/wasm tier-up)
    for (let i = 0; i < runs; i++) {
      // Rotate the order so that drift on a shared machine hits every variant alike.
      for (let j = 0; j < names.length; j++) {
        const n = names[(i + j) % names.length];
        globalThis.gc?.();
        const t0 = performance.now();
        const r = await variants[n](d);
        times[n].push(performance.now() - t0);
        results[n] = r;
      }
    }
    out[docName] = { bytes: d.bytes.length, times, results };
  }

  // The page's longest task while `fn` runs: Long Tasks API entries (>= 50 ms; none means every
  // task was shorter) and, as a cross-check, the longest gap between 5 ms timer ticks.
  async function longestTask(fn) {
    const supported = PerformanceObserver.supportedEntryTypes?.includes("longtask");
    let longest = 0;
    const obs = supported ? new PerformanceObserver((l) => { for (const e of l.getEntries()) longest = Math.max(longest, e.duration); }) : null;
    obs?.observe({ type: "longtask" });
    await new Promise((res) => setTimeout(res, 100)); // the tasks before this one are over
    let last = performance.now(), gap = 0;
    const id = setInterval(() => { const now = performance.now(); gap = Math.max(gap, now - last); last = now; }, 5);
    const t0 = performance.now();
    // In a task of its own, so a long task is this call's and nothing else's.
    const r = await new Promise((res, rej) => setTimeout(() => Promise.resolve().then(fn).then(res, rej), 0));
    const ms = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 60)); // let the last entries arrive
    clearInterval(id);
    obs?.disconnect();
    return { r, ms, longestTaskMs: supported ? longest : null, maxTimerGapMs: gap };
  }
  const responsiveness = {};
  responsiveness.mainThread = await longestTask(async () => ours(pkg.validate(docs.valid.bytes, opts)));
  if (typeof pkg.createValidator === "function") {
    const v = pkg.createValidator();
    try {
      await v.validate(docs.valid.blob, opts); // warm-up: the worker starts and loads its wasm
      responsiveness.worker = await longestTask(async () => ours(await v.validate(docs.valid.blob, opts)));
    } catch (e) {
      responsiveness.workerError = `${e?.code ?? ""} ${e?.message ?? e}`;
    } finally {
      v.terminate();
    }
  }
  out.responsiveness = responsiveness;
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
// The previous build, served whole under /__bench/previous/ (its glue finds its .wasm next to it).
const TYPES = { js: "text/javascript", mjs: "text/javascript", wasm: "application/wasm", json: "application/json" };
function addPrevious(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) addPrevious(p);
    else files[`previous/${relative(PREVIOUS, p)}`] = { body: readFileSync(p), contentType: TYPES[e.name.split(".").pop()] || "application/octet-stream" };
  }
}
// Its entry: index.js, or talk_uploader.js in builds from before the package had index.js.
let previousEntry = null;
if (PREVIOUS) {
  addPrevious(PREVIOUS);
  previousEntry = ["index.js", "talk_uploader.js"].find((f) => files[`previous/${f}`]);
  if (!previousEntry) { console.error(`BENCH_PREVIOUS_PKG=${PREVIOUS} has neither index.js nor talk_uploader.js: give a pkg/ directory`); process.exit(2); }
}
console.log(`input: ${MESSAGES} messages, valid ${(Buffer.byteLength(valid.json) / 1e6).toFixed(1)} MB, ` +
  `invalid ${(Buffer.byteLength(invalid.json) / 1e6).toFixed(1)} MB with ${invalid.bad} bad timestamps ` +
  `(generated in ${((Date.now() - t0) / 1000).toFixed(1)} s); ${RUNS} timed runs after 1 warm-up, median`);

const { page, close } = await openBenchPage(BASE, files, { extraArgs: ["--js-flags=--expose-gc"] });
let res;
try {
  res = await page.evaluate(inPage, { runs: RUNS, previous: previousEntry });
} finally {
  await close();
}

let failed = false;
const BASELINE = {
  "ours string": "JSON.parse+ajv string",
  "ours Uint8Array": "TextDecoder+JSON.parse+ajv Uint8Array",
  "ours Blob": "Blob.text+JSON.parse+ajv Blob",
};
const rows = [["document", "validator", "median ms", "MB/s", "vs baseline", "result"]];
const mbps = {};
for (const doc of ["valid", "invalid"]) {
  const r = res[doc];
  mbps[doc] = {};
  for (const [n, ts] of Object.entries(r.times)) mbps[doc][n] = r.bytes / 1e6 / (median(ts) / 1000);
  for (const [n, ts] of Object.entries(r.times)) {
    const x = r.results[n];
    const result = x.ok === null ? "-" : x.ok ? "ok" : `${x.errors} errors` + (x.warnings !== undefined ? `, ${x.warnings} warnings` : "");
    const ratio = BASELINE[n] && mbps[doc][n] / mbps[doc][BASELINE[n]];
    const vs = BASELINE[n] ? `${ratio.toFixed(2)}x${ratio < 1 ? " (slower)" : ""}` : n.includes("ajv") ? "1.00x (baseline)" : n.startsWith("previous") ? `(${PREVIOUS_NAME})` : "(reference)";
    rows.push([doc, n, median(ts).toFixed(1), mbps[doc][n].toFixed(1), vs, result]);
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
const ratio = (doc, n) => Number((mbps[doc][n] / mbps[doc][BASELINE[n]]).toFixed(3));
// This build against the previous one, timed in the same rotation of the same page: the median
// of each round's ratio (previous ms ÷ ours ms, the two a few seconds apart), so that the
// machine's drift between rounds cancels out.
const vsPrevious = (doc, input) => {
  const t = res[doc].times;
  return Number(median(t[`ours ${input}`].map((ms, i) => t[`previous ${input}`][i] / ms)).toFixed(3));
};
let previous;
if (PREVIOUS) {
  previous = {
    build: PREVIOUS_NAME,
    bytes_ratio: vsPrevious("valid", "Uint8Array"),
    string_ratio: vsPrevious("valid", "string"),
    invalid_bytes_ratio: vsPrevious("invalid", "Uint8Array"),
    invalid_string_ratio: vsPrevious("invalid", "string"),
  };
  const pct = (r) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(1)} %`;
  console.log(`this build vs ${PREVIOUS_NAME} (speed ratio ours ÷ previous, the median of the rounds' ratios, > 1 is faster): ` +
    `valid Uint8Array ${previous.bytes_ratio}x (${pct(previous.bytes_ratio)}), valid string ${previous.string_ratio}x (${pct(previous.string_ratio)}), ` +
    `invalid Uint8Array ${previous.invalid_bytes_ratio}x (${pct(previous.invalid_bytes_ratio)}), invalid string ${previous.invalid_string_ratio}x (${pct(previous.invalid_string_ratio)})`);
}
const mb = (doc, n) => Number(mbps[doc][n].toFixed(1));
const { mainThread, worker, workerError } = res.responsiveness;
for (const [n, x] of [["main thread", mainThread], ["worker", worker]]) {
  if (x && !x.r.ok) { console.error(`FAIL: ${n} validation says ok=${x.r.ok} on the valid document`); failed = true; }
}
if (workerError) { console.error(`FAIL: createValidator(): ${workerError}`); failed = true; }
// The page's longest task during the call: the longest gap between 5 ms timer ticks (the page
// could not run anything else for that long). The Long Tasks API only reports tasks >= 50 ms
// and counts the browser's own work (GC) too: printed in the part, not used.
const longest = (x) => Number(x.maxTimerGapMs.toFixed(1));
console.log(`page's longest task while validating the valid document: ` +
  `validate(bytes) on the main thread ${longest(mainThread)} ms (the call took ${mainThread.ms.toFixed(0)} ms); ` +
  (worker ? `createValidator().validate(blob) in a worker ${longest(worker)} ms (the call took ${worker.ms.toFixed(0)} ms)` : "createValidator() not in this build"));

writePart("validation", {
  validation: {
    document_bytes: res.valid.bytes,
    invalid_document_bytes: res.invalid.bytes,
    invalid_document_errors: invalid.bad,
    runs: RUNS,
    ratio_vs_ajv: ratio("valid", "ours Uint8Array"),
    blob_ratio_vs_ajv: ratio("valid", "ours Blob"),
    invalid_ratio_vs_ajv: ratio("invalid", "ours Uint8Array"),
    invalid_blob_ratio_vs_ajv: ratio("invalid", "ours Blob"),
    string_ratio_vs_ajv: ratio("valid", "ours string"),
    invalid_string_ratio_vs_ajv: ratio("invalid", "ours string"),
    mb_per_s: {
      ours_bytes: mb("valid", "ours Uint8Array"), ajv_bytes: mb("valid", "TextDecoder+JSON.parse+ajv Uint8Array"),
      ours_blob: mb("valid", "ours Blob"), ajv_blob: mb("valid", "Blob.text+JSON.parse+ajv Blob"),
      ours_string: mb("valid", "ours string"), ajv_string: mb("valid", "JSON.parse+ajv string"),
      ours_invalid_bytes: mb("invalid", "ours Uint8Array"), ajv_invalid_bytes: mb("invalid", "TextDecoder+JSON.parse+ajv Uint8Array"),
      ours_invalid_string: mb("invalid", "ours string"), ajv_invalid_string: mb("invalid", "JSON.parse+ajv string"),
      json_parse_only_string: mb("valid", "JSON.parse only string"), text_encoder_only_string: mb("valid", "TextEncoder.encode only string"),
    },
    main_thread_longest_task_ms: longest(mainThread),
    main_thread_validate_ms: Number(mainThread.ms.toFixed(1)),
    ...(worker
      ? { worker_longest_task_ms: longest(worker), worker_validate_ms: Number(worker.ms.toFixed(1)), worker_long_tasks_api_ms: worker.longestTaskMs }
      : missing("worker_longest_task_ms", workerError ? `createValidator() failed: ${workerError}` : "this build exports no createValidator()")),
    wasm_memory_after_bytes: res.wasmMemory,
    ...(previous && { vs_previous: previous }),
  },
});
process.exit(failed ? 1 : 0);
