// The built package loads in Node 20 with initSync, without a bundler or a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";

const pkgUrl = new URL("../../pkg/", import.meta.url);

test("pkg/ loads in Node with initSync", async () => {
  const mod = await import(new URL("index.js", pkgUrl));
  const bytes = readFileSync(new URL("talk_uploader_bg.wasm", pkgUrl));
  mod.initSync({ module: bytes });
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.equal(mod.version(), manifest.version);
});

test("pkg/validate/ (talk-uploader/validate) loads in Node with initSync", async () => {
  const dir = new URL("validate/", pkgUrl);
  const mod = await import(new URL("index.js", dir));
  mod.initSync({ module: readFileSync(new URL("talk_uploader_validate_bg.wasm", dir)) });
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  assert.equal(mod.version(), manifest.version);
  // Only the checking API: the upload engine is not in this module.
  assert.equal(typeof mod.validate, "function");
  assert.equal(typeof mod.convertChat, "function");
  assert.equal(typeof mod.sniffAudio, "function");
  for (const name of ["uploadText", "uploadAudio", "presignedUpload", "inspectZip", "planChunks"]) assert.equal(mod[name], undefined, name);
});

test("package.json points at files that exist", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  for (const f of manifest.files) {
    const url = new URL(`../../${f}`, import.meta.url);
    if (f.endsWith("/")) assert.ok(statSync(url).isDirectory() && readdirSync(url).length > 0, f);
    else assert.ok(readFileSync(url).length > 0, f);
  }
  // Every export target too.
  const targets = (v) => (typeof v === "string" ? [v] : Object.values(v).flatMap(targets));
  for (const t of targets(manifest.exports)) assert.ok(statSync(new URL(`../../${t}`, import.meta.url)).isFile(), t);
});
