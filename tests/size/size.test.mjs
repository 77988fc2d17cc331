// Size budget (issue 9): each entry's .wasm gzip -9 plus its glue bundled and minified by esbuild,
// gzip -9, must stay within its budget (scripts/size.mjs holds both), so a regression cannot land
// unnoticed. Bytes, not time: stable on any machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENTRIES, measure } from "../../scripts/size.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

for (const entry of ENTRIES) {
  test(`${entry.name} is within ${entry.budget / 1024} KiB of gzip`, async () => {
    assert.ok(existsSync(join(root, entry.dir, entry.wasm)), `${entry.dir}/${entry.wasm} is missing: run npm run build`);
    const m = await measure(root, entry);
    console.log(`${entry.name}: wasm ${m.wasm.raw} raw, ${m.wasm.gzip} gzip, ${m.wasm.brotli} brotli; glue ${m.glue.raw} min, ${m.glue.gzip} gzip; total ${m.total} of ${entry.budget}`);
    assert.ok(
      m.total <= entry.budget,
      `${entry.name} is ${m.total} B of gzip (wasm ${m.wasm.gzip} + glue ${m.glue.gzip}), over its budget of ${entry.budget} B by ${m.total - entry.budget} B`,
    );
  });
}
