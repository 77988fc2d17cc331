// Bundle size: what a page downloads for each entry of the package, against the JS libraries a
// site would otherwise combine (the anchors), all built in this run with the same esbuild
// (bundled, minified, ESM, for browsers) and compressed the same way (gzip -9, brotli q 11).
//
// Ours: each entry's JS as a bundler ships it (the entry and everything it imports, minified)
// plus every .wasm it loads. The widget is measured without the main entry it imports (a page
// that uses the widget has the main entry anyway), as scripts/build.sh prints it.
// Anchors: benches/anchors/*.mjs, each calling its library's real upload/client API, so
// tree-shaking keeps what a user would ship. See bench/README.md for each key.
import { build } from "esbuild";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { writePart, missing } from "./_results.mjs";
import { createHash } from "node:crypto";
import { table, openBenchPage } from "./_browser.mjs";
import { synthWav } from "../tests/support/wav.mjs";
import { chatSchema, BENCH_METADATA } from "./anchors/chat-schema.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

async function bundle(entry, { external = [] } = {}) {
  const r = await build({
    entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "browser", target: "es2020",
    write: false, metafile: true, logLevel: "silent", external, define: { "process.env.NODE_ENV": '"production"' },
  });
  return { code: Buffer.from(r.outputFiles[0].contents), inputs: Object.keys(r.metafile.inputs).map((p) => resolve(ROOT, p)) };
}

/** An entry of ours: its JS min+gz plus every .wasm its code loads (found next to its sources). */
async function ours(entry, opts) {
  const { code, inputs } = await bundle(entry, opts);
  const wasm = [];
  for (const m of code.toString("utf8").matchAll(/["'`]([\w./-]+\.wasm)["'`]/g)) {
    for (const dir of new Set(inputs.map(dirname))) {
      const p = resolve(dir, m[1]);
      if (existsSync(p) && !wasm.includes(p)) wasm.push(p);
    }
  }
  const wasmBytes = wasm.map((p) => readFileSync(p));
  const js = { raw: code.length, gzip: gz(code), brotli: br(code) };
  const w = wasmBytes.reduce((a, b) => ({ raw: a.raw + b.length, gzip: a.gzip + gz(b), brotli: a.brotli + br(b) }), { raw: 0, gzip: 0, brotli: 0 });
  return {
    entry: entry.replace(`${ROOT}/`, ""),
    wasm_files: wasm.map((p) => p.replace(`${ROOT}/`, "")),
    js_min_bytes: js.raw, js_min_gzip_bytes: js.gzip, js_min_brotli_bytes: js.brotli,
    wasm_bytes: w.raw, wasm_gzip_bytes: w.gzip, wasm_brotli_bytes: w.brotli,
    gzip_bytes: js.gzip + w.gzip, brotli_bytes: js.brotli + w.brotli,
  };
}

/** The file package.json's exports map a subpath to (the `default` condition). */
function exported(subpath) {
  const e = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports?.[subpath];
  const target = typeof e === "string" ? e : e?.default ?? e?.import ?? e?.browser;
  return target ? join(ROOT, target) : null;
}

const size = {};
const bundles = {};
const main = exported(".") ?? join(ROOT, "pkg/index.js");
if (!existsSync(main)) { console.error(`FAIL: ${main} is missing: run npm run build`); process.exit(1); }
const mainSize = await ours(main);
size.total_gzip_bytes = mainSize.gzip_bytes;
size.total_brotli_bytes = mainSize.brotli_bytes;
const entries = { main: mainSize };

const validateEntry = exported("./validate");
if (validateEntry && existsSync(validateEntry)) {
  entries.validate = await ours(validateEntry);
  size.validate_gzip_bytes = entries.validate.gzip_bytes;
} else {
  Object.assign(size, missing("validate_gzip_bytes", validateEntry
    ? `package.json exports ./validate as ${validateEntry.replace(`${ROOT}/`, "")}, which this build has not produced`
    : "this build has no talk-uploader/validate entry (package.json exports no ./validate)"));
}
const widgetEntry = exported("./widget");
if (widgetEntry && existsSync(widgetEntry)) {
  // The widget imports the main entry; a page using it ships that anyway (counted in total_gzip_bytes).
  entries.widget = await ours(widgetEntry, { external: ["../index.js", "talk-uploader"] });
  size.widget_gzip_bytes = entries.widget.gzip_bytes;
} else {
  Object.assign(size, missing("widget_gzip_bytes", widgetEntry
    ? `package.json exports ./widget as ${widgetEntry.replace(`${ROOT}/`, "")}, which this build has not produced`
    : "this build has no talk-uploader/widget entry (package.json exports no ./widget)"));
}
size.entries = entries;

// ---- anchors ----
const tmp = mkdtempSync(join(tmpdir(), "bench-anchors-"));
try {
  // ajv precompiled: the standalone module of the same schema, then an entry that uses it.
  const Ajv = require("ajv");
  const standaloneCode = require("ajv/dist/standalone").default;
  const ajv = new Ajv({ allErrors: true, code: { source: true, esm: true } });
  writeFileSync(join(tmp, "chat-validate.mjs"), standaloneCode(ajv, ajv.compile(chatSchema(BENCH_METADATA))));
  writeFileSync(join(tmp, "ajv-standalone.mjs"),
    `import validate from "./chat-validate.mjs";\n` +
    `export function checkChat(text) { const ok = validate(JSON.parse(text)); return { ok, errors: ok ? [] : validate.errors }; }\n`);
  const A = join(ROOT, "benches/anchors");
  const anchorEntries = {
    "grpc-web+google-protobuf": join(A, "grpc-web.mjs"),
    "@connectrpc/connect-web+@bufbuild/protobuf": join(A, "connect-web.mjs"),
    "@uppy/core+@uppy/aws-s3": join(A, "uppy-aws-s3.mjs"),
    "ajv": join(A, "ajv.mjs"),
    "ajv-standalone": join(tmp, "ajv-standalone.mjs"),
    "tus-js-client": join(A, "tus-js-client.mjs"),
  };
  const versions = {};
  for (const p of ["grpc-web", "google-protobuf", "@connectrpc/connect", "@connectrpc/connect-web", "@bufbuild/protobuf", "@uppy/core", "@uppy/aws-s3", "ajv", "tus-js-client", "esbuild"]) {
    versions[p] = JSON.parse(readFileSync(join(ROOT, "node_modules", p, "package.json"), "utf8")).version;
  }
  size.anchors = {};
  size.anchors_brotli = {};
  for (const [name, entry] of Object.entries(anchorEntries)) {
    const { code } = await bundle(entry, { nodePaths: [join(ROOT, "node_modules")] });
    size.anchors[name] = gz(code);
    size.anchors_brotli[name] = br(code);
    bundles[name] = code;
  }
  size.anchor_versions = versions;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
// What a site would otherwise ship for the same job: a grpc-web client with its protobuf
// runtime, an S3 uploader, and a chat check. ajv counted precompiled (the smaller variant), so
// the sum is the least such a stack weighs.
size.js_stack_parts = ["grpc-web+google-protobuf", "@uppy/core+@uppy/aws-s3", "ajv-standalone"];
size.js_stack_gzip_bytes = size.js_stack_parts.reduce((a, k) => a + size.anchors[k], 0);
size.total_vs_js_stack = Number((size.total_gzip_bytes / size.js_stack_gzip_bytes).toFixed(3));

// The anchors must be working code, not bundles that merely import a library: under bench.sh
// (a devserver is running) each bundle, exactly as measured, does its job in Chromium: grpc-web
// and connect-web upload a WAV with Upload, Uppy posts it to the embedded S3 with a presign,
// both ajv variants accept a chat and refuse a broken one. The devserver must have stored the
// same bytes. tus-js-client has no tus server here: it is only built.
let anchorsChecked = null;
if (process.env.BENCH_DEVSERVER) {
  const base = process.env.BENCH_DEVSERVER.replace(/\/+$/, "");
  const apiKey = process.env.BENCH_API_KEY;
  const wav = synthWav({ seconds: 0.5, sampleRate: 16000 });
  const sha = createHash("sha256").update(wav).digest("hex");
  const pr = await fetch(`${base}/asr/async/upload/vela`, {
    method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ org_id: `anchors-${Date.now().toString(36)}`, metadata: { email: "bench@example.com", date_of_call: "2024-03-01" } }),
  });
  if (!pr.ok) { console.error(`FAIL: the Vela presign answered ${pr.status}`); process.exit(1); }
  const presign = await pr.json();
  const files = Object.fromEntries(Object.entries(bundles).map(([n, code]) => [`${n.replace(/[^\w-]/g, "_")}.mjs`, { body: code, contentType: "text/javascript" }]));
  const { page, close } = await openBenchPage(base, files);
  let out;
  try {
    out = await page.evaluate(async ({ names, wavB64, apiKey, base, presign, meta }) => {
      const file = new File([Uint8Array.from(atob(wavB64), (c) => c.charCodeAt(0))], "anchor.wav", { type: "audio/wav" });
      const load = (n) => import(`/__bench/${n.replace(/[^\w-]/g, "_")}.mjs`);
      const fields = { operator_name: "Bench Operator", operator_id: "op-1", date: "2024-03-01T08:00:00Z", language: "ru-RU" };
      const r = {};
      const run = async (n, fn) => { try { r[n] = { ok: true, value: await fn(await load(n)) }; } catch (e) { r[n] = { ok: false, error: String(e?.message ?? e) }; } };
      await run(names.grpc, (m) => m.uploadTalk(base, apiKey, "bench-audio", fields, file));
      await run(names.connect, (m) => m.uploadTalk(base, apiKey, "bench-audio", fields, file));
      await run(names.uppy, async (m) => { const res = await m.presignedUpload(file, presign); return { successful: res.successful?.length ?? 0, failed: res.failed?.length ?? 0 }; });
      const good = JSON.stringify({ messages: [{ user_id: meta.operator_id, text: "Hello", timestamp: "2024-03-01T08:00:00Z" }] });
      const bad = JSON.stringify({ messages: [{ user_id: "nobody", text: "Hello", timestamp: "yesterday" }] });
      await run(names.ajv, (m) => [m.checkChat(good, meta).ok, m.checkChat(bad, meta).ok]);
      await run(names.ajvStandalone, (m) => [m.checkChat(good).ok, m.checkChat(bad).ok]);
      return r;
    }, { names: { grpc: "grpc-web+google-protobuf", connect: "@connectrpc/connect-web+@bufbuild/protobuf", uppy: "@uppy/core+@uppy/aws-s3", ajv: "ajv", ajvStandalone: "ajv-standalone" },
      wavB64: wav.toString("base64"), apiKey, base, presign, meta: BENCH_METADATA });
  } finally {
    await close();
  }
  const problems = [];
  for (const [n, v] of Object.entries(out)) if (!v.ok) problems.push(`${n}: ${v.error}`);
  for (const n of ["grpc-web+google-protobuf", "@connectrpc/connect-web+@bufbuild/protobuf"]) {
    if (!out[n].ok) continue;
    const talk = await (await fetch(`${base}/api/talks/${out[n].value}`)).json().catch(() => null);
    if (talk?.audio?.sha256 !== sha || talk?.method !== "Upload") problems.push(`${n}: the devserver did not store the WAV (talk ${out[n].value}: ${JSON.stringify(talk?.audio)})`);
  }
  if (out["@uppy/core+@uppy/aws-s3"].ok) {
    const obj = await (await fetch(`${base}/api/objects/${presign.fields.key}`)).json().catch(() => null);
    if (out["@uppy/core+@uppy/aws-s3"].value.successful !== 1 || obj?.sha256 !== sha) problems.push(`@uppy/core+@uppy/aws-s3: the object was not stored (${JSON.stringify(out["@uppy/core+@uppy/aws-s3"].value)}, ${JSON.stringify(obj)})`);
  }
  for (const n of ["ajv", "ajv-standalone"]) if (out[n].ok && JSON.stringify(out[n].value) !== "[true,false]") problems.push(`${n}: verdicts ${JSON.stringify(out[n].value)}, expected [true,false]`);
  if (problems.length) { for (const p of problems) console.error(`FAIL anchor ${p}`); process.exit(1); }
  anchorsChecked = ["grpc-web+google-protobuf", "@connectrpc/connect-web+@bufbuild/protobuf", "@uppy/core+@uppy/aws-s3", "ajv", "ajv-standalone"];
}
size.anchors_checked_working = anchorsChecked ?? [];

writePart("size", { size });

const rows = [["bundle", "gzip B", "brotli B", "ours (main) / it"]];
const rel = (b) => `${(size.total_gzip_bytes / b).toFixed(2)}x`;
for (const [n, e] of Object.entries(entries)) rows.push([`ours: ${n} (${e.entry}${e.wasm_files.length ? ` + ${e.wasm_files.length} wasm` : ""})`, e.gzip_bytes, e.brotli_bytes, rel(e.gzip_bytes)]);
for (const k of ["validate_gzip_bytes", "widget_gzip_bytes"]) if (size[k] === null) rows.push([`ours: ${k.replace("_gzip_bytes", "")}`, "-", "-", "(see below)"]);
for (const [n, b] of Object.entries(size.anchors)) rows.push([`anchor: ${n}`, b, size.anchors_brotli[n], rel(b)]);
rows.push([`JS stack (${size.js_stack_parts.join(" + ")})`, size.js_stack_gzip_bytes, "", rel(size.js_stack_gzip_bytes)]);
table(rows, { right: [1, 2, 3] });
for (const k of ["validate_gzip_bytes", "widget_gzip_bytes"]) if (size[k] === null) console.log(`${k}: null: ${size[`${k}_reason`]}`);
console.log(anchorsChecked ? `anchors that did their job in Chromium against the devserver (same bytes stored): ${anchorsChecked.join(", ")}; tus-js-client is only built (no tus server)` : "anchors not run (no BENCH_DEVSERVER): only built");
console.log(`main entry: wasm ${mainSize.wasm_gzip_bytes} + JS ${mainSize.js_min_gzip_bytes} B gzip; ours/JS stack: ${size.total_vs_js_stack}x`);
