// talk-gateway in the upload path: UploadBadge (the package's real uploadAudio, 1 MiB chunks, a
// disk-backed OPFS File) straight to the devserver with an API key, and the same file through
// talk-gateway with a ticket, in pairs (the order alternating) in the same page, same run.
// Then one upload of a 1 GiB file through the gateway for the page's memory, and the gateway
// process's peak RSS (VmHWM of BENCH_GATEWAY_PID) after it.
// BENCH_GATEWAY_MIB (default 64) and BENCH_GATEWAY_PAIRS (default 5): the ratio's file and pairs;
// BENCH_MEMORY_MIB (default 1024): the memory run's file.
import { readFileSync } from "node:fs";
import { env, median, table, MiB } from "./_browser.mjs";
import { launchCdp } from "./_cdp.mjs";
import { wavHeader, writeOpfsWav } from "../tests/support/wav.mjs";
import { writePart, missing, SMOKE } from "./_results.mjs";

const BASE = env("BENCH_DEVSERVER");
const API_KEY = env("BENCH_API_KEY");
const GATEWAY = env("BENCH_GATEWAY");
const TICKET = env("BENCH_GATEWAY_TICKET");
const SIZE = Number(process.env.BENCH_GATEWAY_MIB || (SMOKE ? 2 : 64)) * MiB;
const PAIRS = Number(process.env.BENCH_GATEWAY_PAIRS || (SMOKE ? 1 : 5));
const MEMORY_SIZE = Number(process.env.BENCH_MEMORY_MIB || (SMOKE ? 4 : 1024)) * MiB;

async function inPage({ size, pairs, memorySize, apiKey, base, gateway, ticket }) {
  const tu = await import("/pkg/index.js");
  const wasm = await tu.default();
  const root = await navigator.storage.getDirectory();
  // 48 kHz stereo 16-bit: 1 GiB is 93 minutes, inside SpeechSense's 4-hour limit.
  const wav = async (n) => ({ name: `gateway-bench-${n}.wav`, file: await writeOpfsWav(`gateway-bench-${n}.wav`, n, wavHeader(n - 44, { sampleRate: 48000, channels: 2 })) });
  const metadata = { operator_name: "Bench Operator", operator_id: "op-1", date: "2024-03-01T08:00:00Z", language: "ru-RU" };
  const rows = { direct: [], gateway: [], errors: [] };
  const once = async (path, file) => {
    const opts = path === "direct"
      ? { endpoint: base, apiKey, connectionId: "bench-audio", method: "uploadBadge" }
      : { endpoint: gateway, ticket, connectionId: "bench-audio", method: "uploadBadge" };
    globalThis.gc?.();
    const heapBefore = performance.memory?.usedJSHeapSize ?? 0;
    let peakHeap = heapBefore, peakWasm = wasm.memory.buffer.byteLength;
    const tick = () => {
      peakWasm = Math.max(peakWasm, wasm.memory.buffer.byteLength);
      peakHeap = Math.max(peakHeap, performance.memory?.usedJSHeapSize ?? 0);
    };
    const id = setInterval(tick, 20);
    const t0 = performance.now();
    try {
      const r = await tu.uploadAudio(file, metadata, opts);
      return { ms: performance.now() - t0, talkId: r.talkId, peakWasm, heapGrowth: Math.max(0, peakHeap - heapBefore) };
    } catch (e) {
      rows.errors.push(`${path}: ${e.code}: ${e.message}`);
      return null;
    } finally {
      clearInterval(id);
      tick();
    }
  };
  const small = await wav(size);
  for (let i = 0; i < pairs; i++) {
    for (const path of i % 2 ? ["gateway", "direct"] : ["direct", "gateway"]) {
      const r = await once(path, small.file);
      if (r) rows[path].push(r);
    }
  }
  await root.removeEntry(small.name);
  const big = await wav(memorySize);
  const memory = await once("gateway", big.file);
  await root.removeEntry(big.name);
  return { ...rows, memory };
}

const browser = await launchCdp(["--js-flags=--expose-gc", "--enable-precise-memory-info"]);
let res;
try {
  const page = await browser.open(`${BASE}/bench/index.html`);
  await page.define({ wavHeader, writeOpfsWav });
  res = await page.evaluate(inPage, { size: SIZE, pairs: PAIRS, memorySize: MEMORY_SIZE, apiKey: API_KEY, base: BASE, gateway: GATEWAY, ticket: TICKET });
} finally {
  await browser.close();
}
for (const e of res.errors) console.error(`FAIL ${e}`);
// Both paths stored the same bytes: compare the sha256 of every stored talk of the pairs.
const shas = new Set();
for (const r of [...res.direct, ...res.gateway]) {
  const talk = await (await fetch(`${BASE}/api/talks/${r.talkId}`)).json();
  shas.add(talk.audio.sha256);
}
// Peak resident memory of the gateway process over its whole life (every upload above).
const status = (() => { try { return readFileSync(`/proc/${process.env.BENCH_GATEWAY_PID}/status`, "utf8"); } catch { return null; } })();
const kib = (k) => { const m = status?.match(new RegExp(`^${k}:\\s+(\\d+) kB`, "m")); return m ? Number(m[1]) * 1024 : null; };
const mibps = (size, ms) => size / MiB / (ms / 1000);
if (!res.direct.length || !res.gateway.length) { console.error("FAIL: no complete pair"); process.exit(1); }
const d = mibps(SIZE, median(res.direct.map((x) => x.ms)));
const g = mibps(SIZE, median(res.gateway.map((x) => x.ms)));
console.log(`${PAIRS} pairs (direct and through talk-gateway, the order alternating), median; uploadBadge, 1 MiB chunks, OPFS file`);
table([
  ["path", "size MiB", "MiB/s"],
  ["direct to the devserver (apiKey)", String(SIZE / MiB), d.toFixed(0)],
  ["through talk-gateway (ticket)", String(SIZE / MiB), g.toFixed(0)],
  ...(res.memory ? [[`through talk-gateway, memory run`, String(MEMORY_SIZE / MiB), mibps(MEMORY_SIZE, res.memory.ms).toFixed(0)]] : []),
], { right: [1, 2] });
console.log(`gateway/direct throughput: ${(g / d).toFixed(2)}x; stored sha256s identical: ${shas.size === 1}`);
const rss = kib("VmHWM");
console.log(`talk-gateway peak RSS (VmHWM): ${rss === null ? "unknown (BENCH_GATEWAY_PID not set)" : `${(rss / MiB).toFixed(1)} MiB`}; now (VmRSS): ${kib("VmRSS") === null ? "?" : `${(kib("VmRSS") / MiB).toFixed(1)} MiB`}`);
if (res.memory) console.log(`page during the ${MEMORY_SIZE / MiB} MiB upload through the gateway: peak wasm ${(res.memory.peakWasm / MiB).toFixed(1)} MiB, heap growth ${(res.memory.heapGrowth / MiB).toFixed(1)} MiB`);
writePart("gateway", {
  upload: {
    gateway_ratio: Number((g / d).toFixed(3)),
    gateway_pairs: PAIRS, gateway_file_bytes: SIZE,
    mib_per_s: { gateway: { through_gateway: Number(g.toFixed(1)), direct: Number(d.toFixed(1)) } },
  },
  memory: {
    wasm_peak_bytes: res.memory ? { gateway: res.memory.peakWasm } : missing("gateway", "the 1 GiB upload through the gateway failed"),
    heap_growth_bytes: res.memory ? { gateway: res.memory.heapGrowth } : missing("gateway", "the 1 GiB upload through the gateway failed"),
    ...(rss === null ? missing("gateway_rss_peak_bytes", "BENCH_GATEWAY_PID is not set or not readable") : { gateway_rss_peak_bytes: rss }),
  },
});
process.exit(res.errors.length || shas.size !== 1 || !res.memory ? 1 : 0);
