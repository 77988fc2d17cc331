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
import { table } from "./_browser.mjs";
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

writePart("size", { size });

const rows = [["bundle", "gzip B", "brotli B", "ours (main) / it"]];
const rel = (b) => `${(size.total_gzip_bytes / b).toFixed(2)}x`;
for (const [n, e] of Object.entries(entries)) rows.push([`ours: ${n} (${e.entry}${e.wasm_files.length ? ` + ${e.wasm_files.length} wasm` : ""})`, e.gzip_bytes, e.brotli_bytes, rel(e.gzip_bytes)]);
for (const k of ["validate_gzip_bytes", "widget_gzip_bytes"]) if (size[k] === null) rows.push([`ours: ${k.replace("_gzip_bytes", "")}`, "-", "-", "(see below)"]);
for (const [n, b] of Object.entries(size.anchors)) rows.push([`anchor: ${n}`, b, size.anchors_brotli[n], rel(b)]);
rows.push([`JS stack (${size.js_stack_parts.join(" + ")})`, size.js_stack_gzip_bytes, "", rel(size.js_stack_gzip_bytes)]);
table(rows, { right: [1, 2, 3] });
for (const k of ["validate_gzip_bytes", "widget_gzip_bytes"]) if (size[k] === null) console.log(`${k}: null: ${size[`${k}_reason`]}`);
console.log(`main entry: wasm ${mainSize.wasm_gzip_bytes} + JS ${mainSize.js_min_gzip_bytes} B gzip; ours/JS stack: ${size.total_vs_js_stack}x`);
