// inspectZip in Node (20.12+/21.2+ have DecompressionStream("deflate-raw") as a global, as
// browsers do): deflated entries are inflated by the platform, sampled, checked, and a damaged
// or missing decompressor settles the promise with a report or an UploadError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";

const pkg = new URL("../../pkg/", import.meta.url);
const mod = await import(new URL("talk_uploader.js", pkg));
mod.initSync({ module: readFileSync(new URL("talk_uploader_bg.wasm", pkg)) });

const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(e));

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b) => (b.reduce((c, x) => CRC[(c ^ x) & 0xff] ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;

/** A zip of `entries` ({ name, data, body? }): deflated unless `stored`; `body` replaces the deflated bytes. */
function zip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.from(e.data);
    const body = e.body ?? (e.stored ? data : deflateRawSync(data));
    const fixed = (sig) => {
      const h = Buffer.alloc(sig === 0x04034b50 ? 30 : 46);
      h.writeUInt32LE(sig, 0);
      const at = sig === 0x04034b50 ? 4 : 6;
      if (sig !== 0x04034b50) h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, at);
      h.writeUInt16LE(0x0800, at + 2);
      h.writeUInt16LE(e.stored ? 0 : 8, at + 4);
      h.writeUInt32LE(crc32(data), at + 10);
      h.writeUInt32LE(body.length, at + 14);
      h.writeUInt32LE(data.length, at + 18);
      h.writeUInt16LE(name.length, at + 22);
      if (sig !== 0x04034b50) h.writeUInt32LE(offset, 42);
      return h;
    };
    central.push(fixed(0x02014b50), name);
    const local = [fixed(0x04034b50), name, body];
    parts.push(...local);
    offset += local.reduce((n, b) => n + b.length, 0);
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Blob([...parts, cd, end]);
}

const rows = (n) => {
  let s = "call_id,agent,date\n";
  for (let i = 0; s.length < n; i++) s += `${i},agent-${i},2024-05-06\n`;
  return s;
};

test("inspectZip inflates deflated entries with the platform's DecompressionStream", async () => {
  const big = rows(300_000);
  const file = zip([
    { name: "bad.csv", data: "a,b\n1,2,3\n" },
    { name: "big.csv", data: big },
    { name: "stored.csv", data: "x,y\n1,2\n", stored: true },
  ]);
  const report = await mod.inspectZip(file, { sampleBytes: 70_000 });
  assert.deepEqual(report.errors.map((e) => [e.code, e.entry, e.path, e.line, e.column]), [["csv_column_count", "bad.csv", "/1/2", 2, 5]]);
  assert.deepEqual(report.entries.map((e) => e.method), ["deflate", "deflate", "stored"]);
  assert.equal(report.stats.sampledBytes, 10 + 70_000 + 8);
  // Sampled at exactly its size, a big entry is whole: its CRC-32 is checked.
  const whole = await mod.inspectZip(zip([{ name: "big.csv", data: big }]), { sampleBytes: big.length });
  assert.equal(whole.ok, true, JSON.stringify(whole.errors));
  assert.equal(whole.stats.sampledBytes, big.length);
});

test("a damaged or cut deflate stream is a zip_corrupt issue", async () => {
  const damaged = await mod.inspectZip(zip([{ name: "g.csv", data: "a,b\n", body: Buffer.alloc(64, 0xff) }]));
  assert.deepEqual(damaged.errors.map((e) => [e.code, e.message]), [["zip_corrupt", "the entry's deflate stream is damaged: the zip is damaged; make it again"]]);
  const data = rows(5000);
  const packed = deflateRawSync(data);
  const cut = await mod.inspectZip(zip([{ name: "cut.csv", data, body: packed.subarray(0, packed.length >> 1) }]));
  assert.equal(cut.ok, false);
  assert.match(cut.errors[0].message, /^the entry holds \d+ bytes where the directory says 5\d\d\d: the zip is damaged/);
  // The same cut stream, sampled only at its start: not an error.
  const sampled = await mod.inspectZip(zip([{ name: "cut.csv", data, body: packed.subarray(0, packed.length >> 1) }]), { sampleBytes: 500 });
  assert.equal(sampled.ok, true, JSON.stringify(sampled.errors));
});

test("without DecompressionStream, deflated entries reject with unsupported; stored ones still inspect", async () => {
  const real = globalThis.DecompressionStream;
  globalThis.DecompressionStream = undefined;
  try {
    const e = await mod.inspectZip(zip([{ name: "a.csv", data: "a,b\n1,2\n" }])).then(() => null, (e) => e);
    assert.ok(e instanceof Error);
    assert.equal(e.code, "unsupported");
    assert.match(e.message, /DecompressionStream/);
    const report = await mod.inspectZip(zip([{ name: "a.csv", data: "a,b\n1,2\n", stored: true }]));
    assert.equal(report.ok, true);
  } finally {
    globalThis.DecompressionStream = real;
  }
});

test("no promise was left rejected unhandled", async () => {
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(unhandled, []);
});
