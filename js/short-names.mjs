// Gives the wasm module's imports and exports short names, in the .wasm and in its glue at once.
//
// wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` and puts all of them in a module
// named after the glue ("./talk_uploader_bg.js"); each name is written twice, once in the .wasm's
// import section and once as a key of the glue's import object, and hex digits barely compress.
// This renames the module to "w" and the imports to "a", "b", ..., which the page then downloads
// instead (issue 9: the main entry's 91 imports and the validate entry's 35 cost about 1 KB of
// gzip each). The exports the glue calls (`wasm.validate`, `wasm.__wbindgen_malloc`, the closure
// shims `wasm.wasm_bindgen__convert__closures_____invoke__h<16 hex>`) are renamed the same way;
// `memory` and exports the glue never names keep their names. Nothing else changes: the glue
// still passes one import object whose keys are exactly the module's imports, and reads the
// exports it read before under their new names, which this checks by compiling the result.
//
// Usage: node js/short-names.mjs <out dir> <out name>   (after wasm-bindgen and wasm-opt)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leb, name as vecName, sections, skipImportDesc, u32At } from "./wasm-bytes.mjs";

const [dir, name] = process.argv.slice(2);
if (!dir || !name) {
  console.error("usage: node js/short-names.mjs <out dir> <out name>");
  process.exit(2);
}
const wasmPath = join(dir, `${name}_bg.wasm`);
const gluePath = join(dir, `${name}.js`);
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, "utf8");
const MODULE = "w";
const quote = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** The n-th short name: a..z, A..Z, then two characters. Never `__proto__`. */
function short(n) {
  const first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const rest = first + "0123456789_$";
  if (n < first.length) return first[n];
  n -= first.length;
  return first[Math.floor(n / rest.length) % first.length] + rest[n % rest.length];
}

// ---- the .wasm: read the sections, rewrite the import section (id 2) ----
let p = 8;
const u32 = () => {
  let v;
  [v, p] = u32At(wasm, p);
  return v;
};
const str = () => {
  const n = u32();
  const s = wasm.subarray(p, p + n).toString("utf8");
  p += n;
  return s;
};
/** Skips one import's descriptor, whatever its kind. */
const skipDesc = (kind) => (p = skipImportDesc(wasm, kind, p));

/** The export section (id 7) with the exports the glue reads as `wasm.<name>` renamed. */
function exportSection(size) {
  const body = p;
  const count = u32();
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    const field = str();
    const descStart = p;
    p++; // kind
    u32(); // index
    let next = field;
    if (field !== "memory" && new RegExp(`\\bwasm\\.${quote(field)}\\b`).test(glue)) {
      next = short(exported.size);
      exported.set(field, next);
    }
    entries.push(vecName(next), wasm.subarray(descStart, p));
  }
  if (p !== body + size) throw new Error("short-names: the export section does not parse");
  const section = Buffer.concat(entries);
  return Buffer.concat([Buffer.from([7]), leb(section.length), section]);
}

if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`short-names: ${wasmPath} is not a wasm module`);
const parts = [wasm.subarray(0, 8)];
const renamed = new Map(); // old import name -> new
const exported = new Map(); // old export name -> new
let oldModule;
for (const { id, start, body, end } of sections(wasm)) {
  const size = end - body;
  p = body;
  if (id === 7) {
    parts.push(exportSection(size));
    continue;
  }
  if (id !== 2) {
    parts.push(wasm.subarray(start, end));
    continue;
  }
  const count = u32();
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    const module = str();
    const field = str();
    const descStart = p;
    const kind = wasm[p++];
    skipDesc(kind);
    if (oldModule === undefined) oldModule = module;
    if (module !== oldModule) throw new Error(`short-names: imports from two modules (${oldModule}, ${module})`);
    if (renamed.has(field)) throw new Error(`short-names: ${field} is imported twice`);
    const next = short(renamed.size);
    renamed.set(field, next);
    entries.push(vecName(MODULE), vecName(next), wasm.subarray(descStart, p));
  }
  if (p !== body + size) throw new Error("short-names: the import section does not parse");
  const section = Buffer.concat(entries);
  parts.push(Buffer.from([2]), leb(section.length), section);
}
if (oldModule === undefined) throw new Error(`short-names: ${wasmPath} has no imports`);

// ---- the glue: the module key and each import's key, each exactly once ----
const once = (what, re, to) => {
  const hits = glue.match(new RegExp(re.source, "g")) ?? [];
  if (hits.length !== 1) throw new Error(`short-names: ${what} occurs ${hits.length} times in ${gluePath}, not once`);
  glue = glue.replace(re, to);
};
once(`"${oldModule}"`, new RegExp(`"${quote(oldModule)}": import0`), `${MODULE}: import0`);
for (const [from, to] of renamed) {
  // A key of the import object: at the start of its line, followed by `:`.
  once(from, new RegExp(`(?<=\\n\\s*)${quote(from)}(?=: )`), to);
  if (glue.includes(from)) throw new Error(`short-names: ${from} is still named in ${gluePath}`);
}

for (const [from, to] of exported) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${quote(from)}\\b`, "g"), `wasm.${to}`);
  if (new RegExp(`\\bwasm\\.${quote(from)}\\b`).test(glue)) throw new Error(`short-names: wasm.${from} is still read in ${gluePath}`);
}

// ---- check: the glue's import object has exactly the module's imports ----
const out = Buffer.concat(parts);
const compiled = new WebAssembly.Module(out);
const imports = WebAssembly.Module.imports(compiled);
const exports = new Set(WebAssembly.Module.exports(compiled).map((e) => e.name));
for (const to of exported.values()) {
  if (!exports.has(to)) throw new Error(`short-names: export ${to} is missing`);
}
const keys = new Set(renamed.values());
if (imports.length !== keys.size || imports.some((i) => i.module !== MODULE || !keys.has(i.name))) {
  throw new Error("short-names: the rewritten module's imports do not match the glue");
}
writeFileSync(wasmPath, out);
writeFileSync(gluePath, glue);
console.log(
  `short-names: ${renamed.size} imports and ${exported.size} exports of ${name}_bg.wasm renamed ` +
    `(.wasm ${wasm.length - out.length} B smaller)`,
);
