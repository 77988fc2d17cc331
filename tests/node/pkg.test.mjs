// The built package loads in Node 20 with initSync, without a bundler or a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const pkgUrl = new URL("../../pkg/", import.meta.url);

test("pkg/ loads in Node with initSync", async () => {
  const mod = await import(new URL("talk_uploader.js", pkgUrl));
  const bytes = readFileSync(new URL("talk_uploader_bg.wasm", pkgUrl));
  mod.initSync({ module: bytes });
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.equal(mod.version(), manifest.version);
});

test("package.json points at files that exist", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  for (const f of manifest.files) {
    assert.ok(readFileSync(new URL(`../../${f}`, import.meta.url)).length > 0, f);
  }
});
