// js/order-functions.mjs (run by scripts/build.sh) reorders a module's functions and changes
// nothing else: run again over a copy of the built validate entry, its result is a module with
// the same imports and exports that gzips no larger and gives the same answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../../", import.meta.url));
const script = join(root, "js/order-functions.mjs");
const WASM = "talk_uploader_validate_bg.wasm";

const shape = (bytes) => {
  const m = new WebAssembly.Module(bytes);
  return [WebAssembly.Module.imports(m), WebAssembly.Module.exports(m)];
};

const CHAT = JSON.stringify({
  messages: [
    { user_id: "op-1", text: "Hello", timestamp: "2024-01-15T10:30:00Z" },
    { user_id: "cl-1", text: "Hi", timestamp: "2024-01-15T10:30:05Z" },
  ],
});
const BAD = '{"messages": [{"user_id": "op-1", "text": "", "timestamp": "yesterday"}], "extra": 1}';

async function answers(dir) {
  const mod = await import(pathToFileURL(join(dir, "index.js")).href + `?${Math.random()}`);
  mod.initSync({ module: readFileSync(join(dir, WASM)) });
  return JSON.stringify([
    mod.validate(CHAT, { kind: "speechsense-chat" }),
    mod.validate(BAD, { kind: "speechsense-chat" }),
    mod.convertChat(CHAT, { from: "speechsense", to: "labelbox" }),
  ]);
}

test("reordering the built validate module keeps its imports, exports and answers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "order-functions-test-"));
  try {
    cpSync(join(root, "pkg/validate"), dir, { recursive: true });
    const before = readFileSync(join(dir, WASM));
    // Few moves per function: the test checks what the step keeps, not how much it saves.
    const out = execFileSync(process.execPath, [script, join(dir, WASM), "2"], { encoding: "utf8" });
    assert.match(out, /^order-functions: /);
    const after = readFileSync(join(dir, WASM));
    assert.deepEqual(shape(after), shape(before));
    // The step writes a new order only when the module gzips smaller.
    assert.ok(gzipSync(after, { level: 9 }).length <= gzipSync(before, { level: 9 }).length, "the module gzips larger");
    assert.equal(await answers(dir), await answers(join(root, "pkg/validate")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
