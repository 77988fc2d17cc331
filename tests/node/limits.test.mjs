// Bounded reports through the real package (issue 8, defect 4): a 20 MB labelbox-import array of
// zeros used to build one issue per element and run the module out of 4 GiB of wasm memory.
// Each test gets a fresh instance (a copy of pkg/), since wasm memory never shrinks.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const pkg = new URL("../../pkg/", import.meta.url);
const copies = [];
after(() => copies.forEach((c) => rmSync(c, { recursive: true, force: true })));

async function fresh() {
  const dir = mkdtempSync(join(tmpdir(), "talk-uploader-limits-"));
  copies.push(dir);
  cpSync(pkg, dir, { recursive: true });
  const tu = await import(pathToFileURL(join(dir, "index.js")).href);
  const wasm = tu.initSync({ module: readFileSync(join(dir, "talk_uploader_bg.wasm")) });
  return { tu, memory: () => wasm.memory.buffer.byteLength };
}

const MiB = 1024 * 1024;

test("a 20 MB array of zeros gets 1,000 issues and too_many_issues, in bounded memory", async () => {
  const { tu, memory } = await fresh();
  const zeros = new TextEncoder().encode("[" + "0,".repeat(10_000_000 - 1) + "0]");
  const r = tu.validate(zeros, { kind: "labelbox-import" });
  assert.equal(r.ok, false);
  assert.equal(r.truncated, true);
  assert.equal(r.errors.length, 1001);
  assert.equal(r.errors[0].code, "wrong_type");
  assert.equal(r.errors[0].path, "/0");
  assert.equal(r.errors[1000].code, "too_many_issues");
  assert.match(r.errors[1000].message, /9999000 more error/);
  assert.ok(memory() < 400 * MiB, `wasm memory ${memory() / MiB} MiB`);
  // The same instance goes on working.
  assert.equal(tu.validate('{"messages":[]}', { kind: "speechsense-chat" }).truncated, false);
});

test("maxIssues: honoured, and checked", async () => {
  const { tu } = await fresh();
  const r = tu.validate("[0,0,0,0,0,0,0,0,0,0]", { kind: "labelbox-import", maxIssues: 3 });
  assert.deepEqual(r.errors.map((e) => e.code), ["wrong_type", "wrong_type", "wrong_type", "too_many_issues"]);
  assert.equal(r.truncated, true);
  const c = tu.convertChat("[0,0,0,0,0,0,0,0,0,0]", { from: "labelbox", to: "vela", maxIssues: 2 });
  assert.equal(c.ok, false);
  assert.equal(typeof c.truncated, "boolean");
  for (const bad of [0, -1, 1.5, 100_001, "10", NaN, true]) {
    assert.throws(() => tu.validate("[]", { kind: "labelbox-import", maxIssues: bad }), (e) => e.code === "invalid_options" && /maxIssues/.test(e.message), String(bad));
  }
});

test("a string over 256 MiB is input_too_large before it is copied into wasm memory", async () => {
  const { tu, memory } = await fresh();
  const before = memory();
  const huge = " ".repeat(256 * MiB + 1);
  const r = tu.validate(huge, { kind: "speechsense-chat" });
  assert.deepEqual(r.errors.map((e) => e.code), ["input_too_large"]);
  assert.match(r.errors[0].message, /256 MiB/);
  assert.ok(memory() - before < 16 * MiB, `grew by ${(memory() - before) / MiB} MiB`);
  const bytes = new Uint8Array(256 * MiB + 1);
  assert.deepEqual(tu.validate(bytes, { kind: "speechsense-chat" }).errors.map((e) => e.code), ["input_too_large"]);
  assert.ok(memory() - before < 16 * MiB, `grew by ${(memory() - before) / MiB} MiB`);
});
