// talk-gateway in the upload path: a 1 GiB UploadBadge (the package's real uploadAudio, 1 MiB
// chunks, a disk-backed OPFS File) straight to the devserver with an API key, then the same file
// through talk-gateway with a ticket, paired in the same page, same run. Prints both throughputs
// and their ratio; scripts/bench.sh adds the gateway's peak RSS (VmHWM) after the run.
// BENCH_GATEWAY_MIB (default 1024) and BENCH_GATEWAY_REPS (default 2) change the size and pairs.
import { env, median, table, MiB } from "./_browser.mjs";
import { launchCdp } from "./_cdp.mjs";
import { wavHeader, writeOpfsWav } from "../tests/support/wav.mjs";

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
  // 48 kHz stereo 16-bit: 1 GiB is 93 minutes, inside SpeechSense's 4-hour limit.
  const file = await writeOpfsWav(name, size, wavHeader(size - 44, { sampleRate: 48000, channels: 2 }));
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
  await page.define({ wavHeader, writeOpfsWav });
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
