// Size guard (issue 9): each entry's .wasm gzip -9 plus its glue bundled and minified by esbuild,
// gzip -9, must stay within its ceiling (scripts/size.mjs holds the ceilings and issue 9's
// targets): each entry within its target, 150 KiB and 64 KiB, so a regression over a budget
// cannot land unnoticed. Bytes, not time: stable anywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENTRIES, measure } from "../../scripts/size.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

for (const entry of ENTRIES) {
  test(`${entry.name} is within its ceiling of ${entry.ceiling / 1024} KiB of gzip`, async () => {
    assert.ok(existsSync(join(root, entry.dir, entry.wasm)), `${entry.dir}/${entry.wasm} is missing: run npm run build`);
    const m = await measure(root, entry);
    const gap = m.total > entry.budget ? `${m.total - entry.budget} B above the ${entry.budget} B target` : `within the ${entry.budget} B target`;
    console.log(`${entry.name}: wasm ${m.wasm.raw} raw, ${m.wasm.gzip} gzip, ${m.wasm.brotli} brotli; glue ${m.glue.raw} min, ${m.glue.gzip} gzip; total ${m.total} (${gap}; ceiling ${entry.ceiling})`);
    assert.ok(
      m.total <= entry.ceiling,
      `${entry.name} is ${m.total} B of gzip (wasm ${m.wasm.gzip} + glue ${m.glue.gzip}), over its ceiling of ${entry.ceiling} B by ${m.total - entry.ceiling} B: find what grew, or say in the commit why it must`,
    );
  });
}
