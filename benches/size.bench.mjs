// Bundle size: what a page downloads (the .wasm plus its JS glue), raw, gzip and brotli.
// The baseline in the same run is the JS glue alone, so the ratio shows what the wasm costs.
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const files = ["pkg/talk_uploader_bg.wasm", "pkg/talk_uploader.js"];
const row = (name, buf) => {
  const gz = gzipSync(buf, { level: 9 }).length;
  const br = brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`${name.padEnd(30)} raw ${String(buf.length).padStart(9)}  gzip ${String(gz).padStart(8)}  brotli ${String(br).padStart(8)}`);
  return { raw: buf.length, gz, br };
};
let total = { raw: 0, gz: 0, br: 0 };
for (const f of files) {
  const r = row(f, readFileSync(f));
  total = { raw: total.raw + r.raw, gz: total.gz + r.gz, br: total.br + r.br };
}
console.log(`${"total (wasm + glue)".padEnd(30)} raw ${String(total.raw).padStart(9)}  gzip ${String(total.gz).padStart(8)}  brotli ${String(total.br).padStart(8)}`);
const glue = gzipSync(readFileSync("pkg/talk_uploader.js"), { level: 9 }).length;
console.log(`ratio total/glue (gzip): ${(total.gz / glue).toFixed(2)}x`);
