// Orders the functions of a wasm module so that it gzips smaller, and changes nothing else.
//
// Deflate finds repeats only within the last 32 KB, so which functions sit next to each other
// decides how much of the code section it can match: a random order of the validate entry's
// functions costs 2.5 KB more gzip than the order LLVM and wasm-opt leave. This searches for a
// better order by local moves: take a run of up to 30 functions, move it at most 3 places, keep
// the move when deflate of the code around it (with the 32 KB before it as the dictionary) does
// not grow. Each move is scored on that window only, not the whole section, which keeps a move
// at about a millisecond. The search is seeded, so one input always gives one output. Unless the
// whole code section then deflates smaller, and the reordered module gzips smaller, the module is
// left as it was.
//
// The order is applied by wasm-opt itself: this writes a name section whose names sort in the
// new order, and `wasm-opt --reorder-functions-by-name --strip-debug` reorders the functions
// (renumbering every call, table entry and export) and drops the names again. Function order has
// no meaning to a wasm engine. The result is compiled, and its imports and exports compared with
// the input's, before it replaces the input.
//
// Usage: node js/order-functions.mjs <file.wasm> [moves per function, default 20]
// (after wasm-opt, before js/short-names.mjs; scripts/build.sh runs it on both entries)
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { deflateRawSync, gzipSync } from "node:zlib";
import { leb, name, sections, skipImportDesc, u32At } from "./wasm-bytes.mjs";

const WINDOW = 32 * 1024; // deflate's window
const MAX_RUN = 30; // functions moved at once
const MAX_SHIFT = 3; // places a run moves

/** The module's sections, function imports and code bodies (each with its size prefix). */
function read(wasm) {
  let p;
  const u32 = () => {
    let v;
    [v, p] = u32At(wasm, p);
    return v;
  };
  const all = sections(wasm);
  let imported = 0;
  const imports = all.find((s) => s.id === 2);
  if (imports) {
    p = imports.body;
    for (let i = 0, n = u32(); i < n; i++) {
      for (let k = 0; k < 2; k++) {
        const len = u32(); // module, then name
        p += len;
      }
      const kind = wasm[p++];
      if (kind === 0) imported++;
      p = skipImportDesc(wasm, kind, p);
    }
  }
  const code = all.find((s) => s.id === 10);
  const bodies = [];
  if (code) {
    p = code.body;
    for (let i = 0, n = u32(); i < n; i++) {
      const start = p;
      const len = u32();
      p += len;
      bodies.push(wasm.subarray(start, p));
    }
  }
  return { sections: all, imported, bodies };
}

/** A seeded order of `bodies` that deflates smaller, found by `moves` local moves. */
export function search(bodies, moves) {
  const n = bodies.length;
  let order = [...Array(n).keys()];
  // Deflated size of the functions at order[a..=c] and the 32 KB after them, with the 32 KB
  // before them as the dictionary.
  const around = (ord, a, c) => {
    const before = [];
    for (let i = a - 1, got = 0; i >= 0 && got < WINDOW; i--) {
      before.unshift(bodies[ord[i]]);
      got += bodies[ord[i]].length;
    }
    const parts = [];
    let i = a;
    for (; i <= c; i++) parts.push(bodies[ord[i]]);
    for (let got = 0; i < n && got < WINDOW; i++) {
      parts.push(bodies[ord[i]]);
      got += bodies[ord[i]].length;
    }
    let dictionary = Buffer.concat(before);
    if (dictionary.length > WINDOW) dictionary = dictionary.subarray(dictionary.length - WINDOW);
    const options = { level: 9 };
    if (dictionary.length) options.dictionary = dictionary;
    return deflateRawSync(Buffer.concat(parts), options).length;
  };
  let seed = 1;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let t = 0; t < moves && n > 2; t++) {
    const len = 1 + Math.floor(random() * random() * MAX_RUN);
    if (len >= n) continue;
    const i = Math.floor(random() * (n - len));
    const run = order.slice(i, i + len);
    const rest = order.slice(0, i).concat(order.slice(i + len));
    const j = Math.max(0, Math.min(rest.length, i + Math.round((random() * 2 - 1) * MAX_SHIFT)));
    if (j === i) continue;
    const moved = rest.slice(0, j).concat(run, rest.slice(j));
    const a = Math.min(i, j), c = Math.max(i, j) + len - 1;
    if (around(moved, a, c) <= around(order, a, c)) order = moved;
  }
  return order;
}

const deflated = (bodies, order) => deflateRawSync(Buffer.concat(order.map((i) => bodies[i])), { level: 9 }).length;

/** The module's imports and exports, as a comparable string. */
async function shape(bytes) {
  const m = await WebAssembly.compile(bytes);
  return JSON.stringify([WebAssembly.Module.imports(m), WebAssembly.Module.exports(m)]);
}

async function main() {
  const [path, perFunction = "20"] = process.argv.slice(2);
  if (!path) {
    console.error("usage: node js/order-functions.mjs <file.wasm> [moves per function]");
    process.exit(2);
  }
  const wasm = readFileSync(path);
  const { sections, imported, bodies } = read(wasm);
  const order = search(bodies, bodies.length * Number(perFunction));
  const identity = [...bodies.keys()];
  const [was, now] = [deflated(bodies, identity), deflated(bodies, order)];
  const file = path.split("/").pop();
  if (now >= was) {
    console.log(`order-functions: ${file}: no smaller order found (code deflates to ${was} B); left as it was`);
    return;
  }
  // Names that sort in the new order: "f" and the rank, zero-padded.
  const rank = new Array(bodies.length);
  order.forEach((f, r) => (rank[f] = r));
  const width = String(bodies.length).length;
  // Imported functions are named too ("a" and their index, which sorts before every "f"), or
  // the pass would sort them by their import names.
  const entries = [];
  for (let i = 0; i < imported; i++) entries.push(Buffer.concat([leb(i), name(`a${String(i).padStart(6, "0")}`)]));
  rank.forEach((r, i) => entries.push(Buffer.concat([leb(imported + i), name(`f${String(r).padStart(width, "0")}`)])));
  const functionNames = Buffer.concat([leb(entries.length), ...entries]);
  const nameSection = Buffer.concat([name("name"), Buffer.from([1]), leb(functionNames.length), functionNames]);
  const parts = [wasm.subarray(0, 8)];
  for (const s of sections) if (s.custom !== "name") parts.push(wasm.subarray(s.start, s.end));
  parts.push(Buffer.from([0]), leb(nameSection.length), nameSection);

  const tmp = mkdtempSync(join(tmpdir(), "order-functions-"));
  try {
    const named = join(tmp, "named.wasm"), out = join(tmp, "out.wasm");
    writeFileSync(named, Buffer.concat(parts));
    const root = join(dirname(fileURLToPath(import.meta.url)), "..");
    execFileSync(join(root, "node_modules/.bin/wasm-opt"), [
      "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
      "--enable-reference-types", "--enable-multivalue", "--enable-mutable-globals",
      "--reorder-functions-by-name", "--strip-debug", named, "-o", out,
    ]);
    const result = readFileSync(out);
    if ((await shape(result)) !== (await shape(wasm))) throw new Error("the reordered module's imports or exports differ");
    const after = read(result).bodies;
    if (after.length !== bodies.length) throw new Error("the reordered module has a different number of functions");
    // Decided by what the page downloads: the whole module, gzipped.
    const [gzWas, gzNow] = [gzipSync(wasm, { level: 9 }).length, gzipSync(result, { level: 9 }).length];
    if (gzNow >= gzWas) {
      console.log(`order-functions: ${file}: the new order gzips to ${gzNow} B, not below ${gzWas} B; left as it was`);
      return;
    }
    writeFileSync(path, result);
    console.log(
      `order-functions: ${file}: ${bodies.length} functions reordered, gzip ${gzWas} -> ${gzNow} B ` +
        `(raw ${wasm.length} -> ${result.length} B)`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
