// Upload throughput of each path of the package, in headless Chromium, to the devserver and its
// embedded S3, as a ratio to a plain XHR of the same file to the same server, measured right
// before it in the same run. Also: peak WebAssembly.Memory and JS heap during each upload.
//
// Files are real disk-backed Files: written to OPFS in the page and read back with getFile(),
// because Chrome refuses composite Blobs made of slices of in-memory Blobs above ~192 MiB.
// See benches/README.md for how to read the table.
import { env, median, table, MiB } from "./_browser.mjs";
import { launchCdp } from "./_cdp.mjs";

const BASE = env("BENCH_DEVSERVER");
const API_KEY = env("BENCH_API_KEY");
const SIZES = (process.env.BENCH_UPLOAD_MIB || "64,256").split(",").map((s) => Number(s.trim()) * MiB);
const REPS = Number(process.env.BENCH_UPLOAD_REPS || 2);

async function inPage({ sizes, reps, apiKey, base }) {
  const pkg = await import("/pkg/talk_uploader.js");
  const wasm = await pkg.default();
  const root = await navigator.storage.getDirectory();
  const MiB_ = 1024 * 1024;
  const GRPC = "/yandex.cloud.speechsense.v1.TalkService/";
  const metadata = { operator_name: "Bench Operator", operator_id: "op-1", date: "2024-03-01T08:00:00Z", language: "ru-RU" };
  let seq = 0;
  const org = () => `bench-${Date.now().toString(36)}-${seq++}`; // one org per call: no minute allocation hit

  // A 16-bit LPCM mono 16 kHz WAV of `size` bytes: a 44-byte header, then random samples.
  async function makeWav(size) {
    const name = `bench-${size}.wav`;
    const handle = await root.getFileHandle(name, { create: true });
    const w = await handle.createWritable();
    const header = new DataView(new ArrayBuffer(44));
    const tag = (o, s) => { for (let i = 0; i < 4; i++) header.setUint8(o + i, s.charCodeAt(i)); };
    tag(0, "RIFF"); header.setUint32(4, size - 8, true); tag(8, "WAVE");
    tag(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 1, true);
    header.setUint32(24, 16000, true); header.setUint32(28, 32000, true); header.setUint16(32, 2, true); header.setUint16(34, 16, true);
    tag(36, "data"); header.setUint32(40, size - 44, true);
    await w.write(header.buffer);
    const block = new Uint8Array(MiB_);
    for (let o = 0; o < block.length; o += 65536) crypto.getRandomValues(block.subarray(o, o + 65536));
    let left = size - 44;
    while (left > 0) {
      const n = Math.min(left, block.length);
      block[0] = left & 0xff; // not all blocks identical
      await w.write(n === block.length ? block : block.subarray(0, n));
      left -= n;
    }
    await w.close();
    return { name, file: await handle.getFile() };
  }
  // A plain XHR POST, with an upload progress listener like the package's (it makes a
  // cross-origin request preflighted, as the package's is).
  let xhrProgressEvents = 0;
  function xhr(url, body, headers = {}) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open("POST", url);
      for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
      x.upload.onprogress = () => { xhrProgressEvents++; };
      x.onload = () => resolve({ status: x.status, text: x.responseText });
      x.onerror = () => reject(new Error(`network error posting to ${new URL(url).pathname}`));
      x.send(body);
    });
  }
  async function presign(orgId) {
    const r = await fetch(`${base}/asr/async/upload/vela`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ org_id: orgId, metadata: { email: "bench@example.com", date_of_call: "2024-03-01" } }),
    });
    if (!r.ok) throw new Error(`presign answered ${r.status}: ${await r.text()}`);
    return r.json();
  }
  async function formPost(file, p) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(p.fields)) fd.append(k, v);
    fd.append("file", file);
    const r = await xhr(p.url, fd);
    if (r.status < 200 || r.status > 299) throw new Error(`S3 answered ${r.status}: ${r.text.slice(0, 200)}`);
    return r;
  }

  // Runs one upload while sampling wasm memory and the JS heap every 20 ms.
  async function measure(fn) {
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
      const result = await fn();
      const ms = performance.now() - t0;
      return { ms, result, heapBefore, peakHeap, peakWasm };
    } catch (e) {
      return { error: `${e?.code ? `[${e.code}] ` : ""}${e?.message ?? e}` };
    } finally {
      clearInterval(id);
      tick();
    }
  }

  const progress = () => {
    const p = { calls: 0, last: 0, backwards: false };
    p.onProgress = ({ loaded }) => { p.calls++; if (loaded < p.last) p.backwards = true; p.last = loaded; };
    return p;
  };
  const grpcHeaders = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", authorization: `Api-Key ${apiKey}` };
  const audio = (method) => ({
    name: `uploadAudio ${method}`,
    available: typeof pkg.uploadAudio === "function",
    // The same file, as one plain XHR body, to the same grpc-web method: the server reads and
    // discards it (the bytes are not grpc-web frames), so the baseline is transport only.
    baseline: async (file) => {
      const r = await xhr(base + GRPC + method[0].toUpperCase() + method.slice(1), file, grpcHeaders);
      if (r.status !== 200) throw new Error(`baseline: HTTP ${r.status}`);
    },
    ours: async (file, p) => pkg.uploadAudio(file, metadata, { endpoint: base, apiKey, connectionId: "bench-audio", method, onProgress: p.onProgress }),
    maxSize: method === "upload" ? 128 * 1e6 : Infinity,
  });
  const paths = [
    audio("upload"),
    audio("uploadAsStream"),
    audio("uploadBadge"),
    {
      name: "presignedUpload",
      available: typeof pkg.presignedUpload === "function",
      // The same presigned form, built by hand as FormData (fields in order, file last).
      prepare: () => presign(org()),
      baseline: (file, _p, pre) => formPost(file, pre),
      ours: (file, p, pre) => pkg.presignedUpload(file, { presign: pre, onProgress: p.onProgress }),
    },
    {
      name: "uploadVelaCall",
      available: typeof pkg.uploadVelaCall === "function",
      // The whole Vela flow by hand: fetch the presign, then the FormData POST.
      baseline: async (file) => formPost(file, await presign(org())),
      ours: (file, p) => pkg.uploadVelaCall(file, {
        apiBase: base, token: apiKey, orgId: org(), email: "bench@example.com", dateOfCall: "2024-03-01", onProgress: p.onProgress,
      }),
    },
  ];

  const rows = [];
  for (const size of sizes) {
    const t0 = performance.now();
    const { name, file } = await makeWav(size);
    const writeMs = performance.now() - t0;
    for (const path of paths) {
      const row = { path: path.name, size, writeMs, baseline: [], ours: [], errors: [] };
      rows.push(row);
      if (!path.available) { row.skipped = "not exported by this build"; continue; }
      if (size > (path.maxSize ?? Infinity)) { row.skipped = "over the method's 128 MB limit"; continue; }
      for (let i = 0; i < reps; i++) {
        const preB = path.prepare ? await path.prepare() : undefined;
        xhrProgressEvents = 0;
        const b = await measure(() => path.baseline(file, null, preB));
        b.progressCalls = xhrProgressEvents;
        if (b.error) row.errors.push(`baseline: ${b.error}`); else row.baseline.push(b);
        const p = progress();
        const preO = path.prepare ? await path.prepare() : undefined;
        const o = await measure(() => path.ours(file, p, preO));
        if (o.error) row.errors.push(`ours: ${o.error}`);
        else {
          o.progressCalls = p.calls;
          if (p.backwards) row.errors.push("ours: onProgress went backwards");
          row.ours.push(o);
        }
      }
    }
    await root.removeEntry(name);
  }
  return { rows, wasmAtEnd: wasm.memory.buffer.byteLength, hasPerfMemory: !!performance.memory };
}

// Raw CDP, not Playwright: see _cdp.mjs (Playwright's network instrumentation copies every
// request body through the debugging pipe).
const browser = await launchCdp(["--js-flags=--expose-gc", "--enable-precise-memory-info"]);
let res;
try {
  const page = await browser.open(`${BASE}/bench/index.html`);
  res = await page.evaluate(inPage, { sizes: SIZES, reps: REPS, apiKey: API_KEY, base: BASE });
} finally {
  await browser.close();
}

const mibps = (size, ms) => size / MiB / (ms / 1000);
const out = [["path", "size MiB", "plain XHR MiB/s", "ours MiB/s", "ours/plain", "peak wasm MiB", "peak heap +MiB (plain/ours)", "progress events (plain/ours)"]];
let failed = false;
const notes = [];
for (const r of res.rows) {
  const size = String(r.size / MiB);
  if (r.skipped) { out.push([r.path, size, "-", "-", "skipped", "", "", ""]); notes.push(`${r.path} ${size} MiB skipped: ${r.skipped}`); continue; }
  for (const e of r.errors) { console.error(`FAIL ${r.path} ${size} MiB: ${e}`); failed = true; }
  if (!r.baseline.length || !r.ours.length) { out.push([r.path, size, "-", "-", "FAILED", "", "", ""]); continue; }
  const b = mibps(r.size, median(r.baseline.map((x) => x.ms)));
  const o = mibps(r.size, median(r.ours.map((x) => x.ms)));
  const heap = (xs) => (Math.max(...xs.map((x) => x.peakHeap - x.heapBefore)) / MiB).toFixed(1);
  out.push([
    r.path, size, b.toFixed(0), o.toFixed(0), `${(o / b).toFixed(2)}x`,
    (Math.max(...r.ours.map((x) => x.peakWasm)) / MiB).toFixed(1),
    `${heap(r.baseline)} / ${heap(r.ours)}`,
    `${Math.max(...r.baseline.map((x) => x.progressCalls))} / ${Math.max(...r.ours.map((x) => x.progressCalls))}`,
  ]);
}
console.log(`${REPS} paired runs per row (plain XHR, then ours), median; files on OPFS; ` +
  `heap = peak performance.memory.usedJSHeapSize minus its value before the upload` +
  (res.hasPerfMemory ? "" : " (performance.memory unavailable: 0)"));
table(out, { right: [1, 2, 3, 4, 5] });
for (const n of notes) console.log(n);
const writes = [...new Map(res.rows.map((r) => [r.size, r.writeMs])).entries()]
  .map(([s, ms]) => `${s / MiB} MiB in ${(ms / 1000).toFixed(1)} s`).join(", ");
console.log(`OPFS file writes (setup, not timed above): ${writes}; wasm memory at the end: ${(res.wasmAtEnd / MiB).toFixed(1)} MiB`);
process.exit(failed ? 1 : 0);
