// talk-gateway in the upload path: a 1 GiB UploadBadge (the package's real uploadAudio, 1 MiB
// chunks, a disk-backed OPFS File) straight to the devserver with an API key, then the same file
// through talk-gateway with a ticket, paired in the same page, same run. Prints both throughputs
// and their ratio; scripts/bench.sh adds the gateway's peak RSS (VmHWM) after the run.
// BENCH_GATEWAY_MIB (default 1024) and BENCH_GATEWAY_REPS (default 2) change the size and pairs.
import { env, median, table, MiB } from "./_browser.mjs";
import { launchCdp } from "./_cdp.mjs";

const BASE = env("BENCH_DEVSERVER");
const API_KEY = env("BENCH_API_KEY");
const GATEWAY = env("BENCH_GATEWAY");
const TICKET = env("BENCH_GATEWAY_TICKET");
const SIZE = Number(process.env.BENCH_GATEWAY_MIB || 1024) * MiB;
const REPS = Number(process.env.BENCH_GATEWAY_REPS || 2);

async function inPage({ size, reps, apiKey, base, gateway, ticket }) {
  const tu = await import("/pkg/talk_uploader.js");
  await tu.default();
  const root = await navigator.storage.getDirectory();
  const name = `gateway-bench-${size}.wav`;
  const handle = await root.getFileHandle(name, { create: true });
  const w = await handle.createWritable();
  const header = new DataView(new ArrayBuffer(44));
  const tag = (o, s) => { for (let i = 0; i < 4; i++) header.setUint8(o + i, s.charCodeAt(i)); };
  tag(0, "RIFF"); header.setUint32(4, size - 8, true); tag(8, "WAVE");
  // 48 kHz stereo 16-bit: 1 GiB is 93 minutes, inside SpeechSense's 4-hour limit.
  tag(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 2, true);
  header.setUint32(24, 48000, true); header.setUint32(28, 192000, true); header.setUint16(32, 4, true); header.setUint16(34, 16, true);
  tag(36, "data"); header.setUint32(40, size - 44, true);
  await w.write(header.buffer);
  const block = new Uint8Array(1024 * 1024);
  for (let o = 0; o < block.length; o += 65536) crypto.getRandomValues(block.subarray(o, o + 65536));
  for (let left = size - 44; left > 0;) {
    const n = Math.min(left, block.length);
    block[0] = left & 0xff;
    await w.write(n === block.length ? block : block.subarray(0, n));
    left -= n;
  }
  await w.close();
  const file = await handle.getFile();
  const metadata = { operator_name: "Bench Operator", operator_id: "op-1", date: "2024-03-01T08:00:00Z", language: "ru-RU" };
  const rows = { direct: [], gateway: [], errors: [] };
  const once = async (path) => {
    const opts = path === "direct"
      ? { endpoint: base, apiKey, connectionId: "bench-audio", method: "uploadBadge" }
      : { endpoint: gateway, ticket, connectionId: "bench-audio", method: "uploadBadge" };
    const t0 = performance.now();
    try {
      const r = await tu.uploadAudio(file, metadata, opts);
      rows[path].push({ ms: performance.now() - t0, talkId: r.talkId });
    } catch (e) {
      rows.errors.push(`${path}: ${e.code}: ${e.message}`);
    }
  };
  for (let i = 0; i < reps; i++) {
    await once("direct");
    await once("gateway");
  }
  await root.removeEntry(name);
  return rows;
}

const browser = await launchCdp(["--enable-precise-memory-info"]);
let res;
try {
  const page = await browser.open(`${BASE}/bench/index.html`);
  res = await page.evaluate(inPage, { size: SIZE, reps: REPS, apiKey: API_KEY, base: BASE, gateway: GATEWAY, ticket: TICKET });
} finally {
  await browser.close();
}
for (const e of res.errors) console.error(`FAIL ${e}`);
// Both paths stored the same bytes: compare the sha256 of every stored talk.
const shas = new Set();
for (const r of [...res.direct, ...res.gateway]) {
  const talk = await (await fetch(`${BASE}/api/talks/${r.talkId}`)).json();
  shas.add(talk.audio.sha256);
}
const mibps = (ms) => SIZE / MiB / (ms / 1000);
if (!res.direct.length || !res.gateway.length) { console.error("FAIL: no complete pair"); process.exit(1); }
const d = mibps(median(res.direct.map((x) => x.ms)));
const g = mibps(median(res.gateway.map((x) => x.ms)));
console.log(`${REPS} paired runs (direct, then through talk-gateway), median; uploadBadge, 1 MiB chunks, OPFS file`);
table([
  ["path", "size MiB", "MiB/s"],
  ["direct to the devserver (apiKey)", String(SIZE / MiB), d.toFixed(0)],
  ["through talk-gateway (ticket)", String(SIZE / MiB), g.toFixed(0)],
], { right: [1, 2] });
console.log(`gateway/direct throughput: ${(g / d).toFixed(2)}x; stored sha256s identical: ${shas.size === 1}`);
process.exit(res.errors.length || shas.size !== 1 ? 1 : 0);
