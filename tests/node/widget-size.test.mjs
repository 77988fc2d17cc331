// talk-uploader/widget's size budget (issue 11): the element as a bundler adds it to an app that
// already has the main entry (the entry itself external), minified by esbuild, gzip -9.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const BUDGET = 8 * 1024;

test("the widget is at most 8 KiB gzip, minified, English strings included", async () => {
  const entry = fileURLToPath(new URL("../../pkg/widget/index.js", import.meta.url));
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", write: false, external: ["../index.js"], logLevel: "silent" });
  const js = r.outputFiles[0].contents;
  const gz = gzipSync(js, { level: 9 }).length;
  console.log(`widget: ${js.length} bytes minified, ${gz} gzip (budget ${BUDGET})`);
  assert.ok(gz <= BUDGET, `the widget is ${gz} bytes gzip, over its ${BUDGET}-byte budget`);
});
