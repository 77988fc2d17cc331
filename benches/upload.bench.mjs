// Upload throughput of each path of the package, in headless Chromium, to the devserver and its
// embedded S3, as a ratio to a plain XHR of the same request to the same server, measured right
// before it in the same run. Also: peak WebAssembly.Memory and JS heap during each upload.
//
// The grpc-web baselines build the package's request body by hand in the page (a few lines of
// protobuf and grpc-web framing, no package code), so the server parses, hashes and stores the
// same talk on both sides; a check before the timed runs proves the bodies byte-identical.
//
// Files are real disk-backed Files: written to OPFS in the page and read back with getFile(),
// because Chrome refuses composite Blobs made of slices of in-memory Blobs above ~192 MiB.
// See benches/README.md for how to read the table.
import { env, median, table, MiB } from "./_browser.mjs";
import { launchCdp } from "./_cdp.mjs";
import { wavHeader, writeOpfsWav } from "../tests/support/wav.mjs";
import { writePart, missing, SMOKE } from "./_results.mjs";

const BASE = env("BENCH_DEVSERVER");
const API_KEY = env("BENCH_API_KEY");
// Ratios: PAIRS pairs per path on a RATIO_MIB file; memory: one upload per path of MEMORY_MIB.
const RATIO_SIZE = Number(process.env.BENCH_UPLOAD_MIB || (SMOKE ? 2 : 64)) * MiB;
const PAIRS = Number(process.env.BENCH_UPLOAD_PAIRS || (SMOKE ? 1 : 5));
const MEMORY_SIZE = Number(process.env.BENCH_MEMORY_MIB || (SMOKE ? 4 : 1024)) * MiB;
const CHAT_BYTES = Number(process.env.BENCH_CHAT_BYTES || (SMOKE ? 20_000 : 1_000_000));

async function inPage({ ratioSize, pairs, memorySize, chatBytes, apiKey, base }) {
  const pkg = await import("/pkg/index.js");
  const wasm = await pkg.default();
  const wasmAtInit = wasm.memory.buffer.byteLength;
  const root = await navigator.storage.getDirectory();
  const MiB_ = 1024 * 1024;
  const GRPC = "/yandex.cloud.speechsense.v1.TalkService/";
  const metadata = { operator_name: "Bench Operator", operator_id: "op-1", date: "2024-03-01T08:00:00Z", language: "ru-RU" };
  let seq = 0;
  const org = () => `bench-${Date.now().toString(36)}-${seq++}`; // one org per call: no minute allocation hit

  // A 16-bit LPCM 48 kHz stereo WAV of `size` bytes on OPFS (tests/support/wav.mjs): 1 GiB is
  // 93 minutes, inside SpeechSense's 4-hour limit (mono 16 kHz would be 9.3 hours).
  async function makeWav(size) {
    const name = `bench-${size}.wav`;
    return { name, file: await writeOpfsWav(name, size, wavHeader(size - 44, { sampleRate: 48000, channels: 2 })) };
  }
  // A plain XHR POST, with an upload progress listener like the package's (it makes a
  // cross-origin request preflighted, as the package's is).
  let xhrProgressEvents = 0;
  function xhr(url, body, headers = {}, responseType = "") {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open("POST", url);
      x.responseType = responseType;
      for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
      x.upload.onprogress = () => { xhrProgressEvents++; };
      x.onload = () => resolve({ status: x.status, text: responseType ? "" : x.responseText, xhr: x });
      x.onerror = () => reject(new Error(`network error posting to ${new URL(url).pathname}`));
      x.send(body);
    });
  }

  // ---- The grpc-web baseline: the package's request body, built by hand here, no package code ----
  // Protobuf: a key is varint(field << 3 | wire type); a length-delimited field (wire type 2) is
  // key, varint(length), bytes. proto3 leaves empty strings out (prost also does inside map
  // entries); a set sub-message is always written. Lengths may pass 2^32 in principle: no bit ops.
  const te = new TextEncoder();
  const varint = (n) => { const out = []; while (n >= 128) { out.push(n % 128 + 128); n = Math.floor(n / 128); } out.push(n); return out; };
  const lenPrefix = (field, len) => [...varint(field * 8 + 2), ...varint(len)];
  const msgField = (field, bytes) => [...lenPrefix(field, bytes.length), ...bytes];
  const strField = (field, s) => (s === "" ? [] : msgField(field, [...te.encode(s)]));
  const varintField = (field, n) => (n === 0 ? [] : [...varint(field * 8), ...varint(n)]);
  // A grpc-web data frame's 5-byte prefix: flag 0x00, then the message length, big-endian u32.
  const framePrefix = (len) => [0, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];
  // TalkMetadata{connection_id(1), fields(2): map<string,string> as entries {key(1), value(2)}}.
  const talkMetadata = (connectionId, entries) =>
    [...strField(1, connectionId), ...entries.flatMap(([k, v]) => msgField(2, [...strField(1, k), ...strField(2, v)]))];
  // AudioMetadata{container_audio(2): ContainerAudio{container_audio_type(1): CONTAINER_AUDIO_TYPE_WAV = 1}}.
  const WAV_AUDIO_METADATA = msgField(2, varintField(1, 1));
  // Blob parts: computed bytes merged into one Uint8Array up to the next file slice.
  const blobOf = (pieces) => {
    const parts = []; let bytes = [];
    for (const p of pieces) {
      if (Array.isArray(p)) bytes.push(...p);
      else { if (bytes.length) parts.push(new Uint8Array(bytes)); bytes = []; parts.push(p); }
    }
    if (bytes.length) parts.push(new Uint8Array(bytes));
    return new Blob(parts);
  };
  // UploadAsStream / UploadBadge: frame(StreamTalkRequest{metadata(1)}),
  // frame(StreamTalkRequest{audio(2): AudioStreamingRequest{audio_metadata(1)}}), then per chunk
  // frame(StreamTalkRequest{audio(2): AudioStreamingRequest{chunk(2): AudioChunk{data(1)}}}).
  function streamBody(file, connectionId, entries, chunkSize = MiB_) {
    const first = msgField(1, talkMetadata(connectionId, entries));
    const second = msgField(2, msgField(1, WAV_AUDIO_METADATA));
    const pieces = [[...framePrefix(first.length), ...first], [...framePrefix(second.length), ...second]];
    for (let start = 0; start < file.size; start += chunkSize) {
      const end = Math.min(start + chunkSize, file.size), n = end - start;
      const chunkLen = lenPrefix(1, n).length + n;                    // AudioChunk
      const streamingLen = lenPrefix(2, chunkLen).length + chunkLen;  // AudioStreamingRequest
      const requestLen = lenPrefix(2, streamingLen).length + streamingLen; // StreamTalkRequest
      pieces.push([...framePrefix(requestLen), ...lenPrefix(2, streamingLen), ...lenPrefix(2, chunkLen), ...lenPrefix(1, n)]);
      pieces.push(file.slice(start, end));
    }
    return blobOf(pieces);
  }
  // Upload: one frame of UploadTalkRequest{metadata(1),
  // audio(2): AudioRequest{audio_metadata(1), audio_data(2): AudioChunk{data(1): the whole file}}}.
  function unaryBody(file, connectionId, entries) {
    const md = talkMetadata(connectionId, entries), n = file.size;
    const chunkLen = lenPrefix(1, n).length + n;
    const audioLen = msgField(1, WAV_AUDIO_METADATA).length + lenPrefix(2, chunkLen).length + chunkLen;
    const requestLen = msgField(1, md).length + lenPrefix(2, audioLen).length + audioLen;
    return blobOf([[...framePrefix(requestLen), ...msgField(1, md), ...lenPrefix(2, audioLen),
      ...msgField(1, WAV_AUDIO_METADATA), ...lenPrefix(2, chunkLen), ...lenPrefix(1, n)], file]);
  }
  // The call's gRPC status: the `grpc-status` header of a trailers-only answer, else the
  // trailer frame (flag 0x80, "name:value\r\n" lines) at the end of the body.
  function grpcStatus(x) {
    const header = x.getResponseHeader("grpc-status");
    if (header !== null) return { code: Number(header), message: decodeURIComponent(x.getResponseHeader("grpc-message") ?? "") };
    const b = new Uint8Array(x.response ?? new ArrayBuffer(0));
    for (let o = 0; o + 5 <= b.length;) {
      const len = ((b[o + 1] << 24) >>> 0) + (b[o + 2] << 16) + (b[o + 3] << 8) + b[o + 4];
      if (b[o] & 0x80) {
        const trailers = Object.fromEntries(new TextDecoder().decode(b.subarray(o + 5, o + 5 + len)).split("\r\n")
          .filter(Boolean).map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
        if (trailers["grpc-status"] !== undefined) return { code: Number(trailers["grpc-status"]), message: decodeURIComponent(trailers["grpc-message"] ?? "") };
      }
      o += 5 + len;
    }
    return { code: NaN, message: "no grpc-status in the headers or in a trailer frame" };
  }
  // The baseline call: the hand-built body, posted by a plain XHR with the package's headers.
  async function grpcPost(method, body) {
    const r = await xhr(base + GRPC + method[0].toUpperCase() + method.slice(1), body, grpcHeaders, "arraybuffer");
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    const s = grpcStatus(r.xhr);
    if (s.code !== 0) throw new Error(`grpc-status ${s.code}: ${s.message}`);
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
    const wasmBefore = wasm.memory.buffer.byteLength;
    let peakHeap = heapBefore, peakWasm = wasmBefore;
    const tick = () => {
      peakWasm = Math.max(peakWasm, wasm.memory.buffer.byteLength);
      peakHeap = Math.max(peakHeap, performance.memory?.usedJSHeapSize ?? 0);
    };
    const id = setInterval(tick, 20);
    const t0 = performance.now();
    try {
      const result = await fn();
      const ms = performance.now() - t0;
      return { ms, result, heapBefore, peakHeap, peakWasm, wasmBefore };
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
  // The headers the package sends (src/web/grpc.rs), x-user-agent included.
  const grpcHeaders = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", "x-user-agent": "talk-uploader", authorization: `Api-Key ${apiKey}` };
  const handBody = (method, file, entries = Object.entries(metadata)) =>
    (method === "upload" ? unaryBody(file, "bench-audio", entries) : streamBody(file, "bench-audio", entries));
  const audio = (method) => ({
    name: `uploadAudio ${method}`,
    method,
    available: typeof pkg.uploadAudio === "function",
    // The package's request body built by hand (timed, like the package's own planning), posted
    // by a plain XHR to the same method: the server parses, hashes and stores the same talk.
    baseline: (file) => grpcPost(method, handBody(method, file)),
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

  // Before any timing, for each grpc-web method on a small WAV (3 chunks, the last one short):
  // the hand-built body must be byte-identical to the body the package hands to XHR.send, and
  // the devserver must store the same talk (method, connection, fields, audio size and sha256)
  // from the baseline's POST as from the package's upload. Otherwise the baseline does other
  // work than ours and its ratio means nothing, so the bench fails.
  // prost writes the metadata map in HashMap order, which the page cannot know: the comparison
  // takes the entry order from the package's body; the timed baseline uses the object's order
  // (same bytes, same length, entries permuted).
  const readVarint = (b, o) => { let n = 0, mul = 1, byte; do { byte = b[o++]; n += (byte & 127) * mul; mul *= 128; } while (byte & 128); return [n, o]; };
  function* pbFields(b) {
    for (let o = 0; o < b.length;) {
      let key, v; [key, o] = readVarint(b, o);
      const wire = key % 8;
      if (wire === 0) { [v, o] = readVarint(b, o); yield [Math.floor(key / 8), v]; }
      else if (wire === 2) { let n; [n, o] = readVarint(b, o); yield [Math.floor(key / 8), b.subarray(o, o + n)]; o += n; }
      else throw new Error(`unexpected wire type ${wire}`);
    }
  }
  // Field 1 of the first frame's message is TalkMetadata in StreamTalkRequest and UploadTalkRequest.
  function metadataKeyOrder(body) {
    const len = ((body[1] << 24) >>> 0) + (body[2] << 16) + (body[3] << 8) + body[4];
    const md = [...pbFields(body.subarray(5, 5 + len))].find(([f]) => f === 1)?.[1];
    if (!md) throw new Error("no TalkMetadata in the package's first frame");
    return [...pbFields(md)].filter(([f]) => f === 2)
      .map(([, entry]) => new TextDecoder().decode([...pbFields(entry)].find(([f]) => f === 1)?.[1] ?? new Uint8Array()));
  }
  async function newTalk(seen, withMessages = false) {
    const fresh = (await (await fetch(`${base}/api/talks`)).json()).filter((t) => !seen.has(t.id));
    if (fresh.length !== 1) throw new Error(`expected one new stored talk, found ${fresh.length}`);
    seen.add(fresh[0].id);
    const { method, connectionId, fields, users, audio, messages } = fresh[0];
    return JSON.stringify({ method, connectionId, fields, users, audio, ...(withMessages ? { messages } : {}) });
  }
  async function checkBaselines() {
    const { name, file } = await makeWav(2 * MiB_ + 12345);
    const seen = new Set((await (await fetch(`${base}/api/talks`)).json()).map((t) => t.id));
    const checked = [];
    try {
      for (const path of paths.filter((x) => x.method && x.available)) {
        let captured;
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) { captured = body; return send.call(this, body); };
        try { await path.ours(file, progress()); } finally { XMLHttpRequest.prototype.send = send; }
        const theirs = await newTalk(seen);
        const pkgBody = new Uint8Array(await captured.arrayBuffer());
        const entries = metadataKeyOrder(pkgBody).map((k) => [k, metadata[k]]);
        const mine = new Uint8Array(await handBody(path.method, file, entries).arrayBuffer());
        let diff = mine.length === pkgBody.length ? mine.findIndex((v, i) => v !== pkgBody[i]) : Math.min(mine.length, pkgBody.length);
        if (diff >= 0) throw new Error(`${path.method}: the hand-built body (${mine.length} B) differs from the package's (${pkgBody.length} B) at byte ${diff}`);
        await grpcPost(path.method, handBody(path.method, file));
        const baseline = await newTalk(seen);
        if (baseline !== theirs) throw new Error(`${path.method}: stored talks differ:\n  package:  ${theirs}\n  baseline: ${baseline}`);
        checked.push(`${path.method} (${mine.length} B)`);
      }
    } finally {
      await root.removeEntry(name);
    }
    return checked;
  }
  // ---- uploadText: a chat of about `chatBytes` of JSON ----
  const chatMeta = { operator_name: "Bench Operator", operator_id: "op-1", client_name: "Bench Client", client_id: "cl-1",
    bot_name: "Bench Bot", bot_id: "bot-1", date: "2024-03-01T08:00:00Z", direction_outgoing: "false", language: "ru-RU" };
  const chat = (() => {
    const words = "hello thanks order delivery payment refund card account number please wait checking your request sorry здравствуйте спасибо заказ доставка оплата возврат".split(" ");
    const messages = [];
    let t = Date.parse("2024-03-01T08:00:00Z"), len = 16, i = 0;
    while (len < chatBytes) {
      const text = Array.from({ length: 4 + (i * 7) % 13 }, (_, k) => words[(i * 31 + k * 17) % words.length]).join(" ");
      const m = { user_id: ["op-1", "cl-1", "bot-1"][i % 3], text, timestamp: new Date(t += 1000 + (i * 977) % 30000).toISOString() };
      len += JSON.stringify(m).length + 1;
      messages.push(m);
      i++;
    }
    return JSON.stringify({ messages });
  })();
  const chatOpts = { endpoint: base, apiKey, connectionId: "bench-chat" };
  // The baseline posts the body the package sent (captured once, below), byte for byte.
  let textBody = null;

  // The baseline call: the hand-built body, posted by a plain XHR with the package's headers.
  const captureBody = async (fn) => {
    let captured;
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (body) { captured = body; return send.call(this, body); };
    try { await fn(); } finally { XMLHttpRequest.prototype.send = send; }
    return captured instanceof Blob ? new Uint8Array(await captured.arrayBuffer()) : new Uint8Array(captured.buffer ?? captured, captured.byteOffset ?? 0, captured.byteLength);
  };
  async function checkText() {
    const seen = new Set((await (await fetch(`${base}/api/talks`)).json()).map((t) => t.id));
    textBody = await captureBody(() => pkg.uploadText(chat, chatMeta, chatOpts));
    const theirs = await newTalk(seen, true);
    await grpcPost("uploadText", new Blob([textBody]));
    const baseline = await newTalk(seen, true);
    if (baseline !== theirs) throw new Error(`uploadText: the stored talks differ`);
    return `uploadText (${chat.length} B of JSON, ${textBody.length} B of grpc-web)`;
  }

  // Memory first, before anything else has grown the wasm memory (it never shrinks): one upload
  // of ours per path on a `memorySize` file (1 GiB by default).
  const memPaths = [...paths, { name: "uploadText", available: true, noMemory: "a chat is not a file: there is no 1 GiB uploadText" }];
  const memory = [];
  const t1 = performance.now();
  const memFile = await makeWav(memorySize);
  const memWriteMs = performance.now() - t1;
  for (const path of memPaths) {
    const m = { path: path.name, size: memorySize };
    memory.push(m);
    if (!path.available) { m.skipped = "not exported by this build"; continue; }
    if (path.noMemory) { m.skipped = path.noMemory; continue; }
    if (memorySize > (path.maxSize ?? Infinity)) { m.skipped = "the unary Upload method takes at most 128 MB"; continue; }
    const r = await runOnce(path, "ours", memFile.file);
    if (r.error) m.error = r.error; else Object.assign(m, r);
  }
  await root.removeEntry(memFile.name);

  let check;
  try { check = { ok: [...await checkBaselines(), await checkText()] }; } catch (e) { check = { error: e?.message ?? String(e) }; }

  const paths2 = [...paths, {
    name: "uploadText",
    available: typeof pkg.uploadText === "function" && textBody !== null,
    baseline: () => grpcPost("uploadText", new Blob([textBody])),
    ours: (_file, p) => pkg.uploadText(chat, chatMeta, { ...chatOpts, onProgress: p.onProgress }),
    bytes: chat.length,
    noMemory: "a chat is not a file: there is no 1 GiB uploadText",
  }];

  async function runOnce(path, side, file) {
    const pre = path.prepare ? await path.prepare() : undefined;
    if (side === "baseline") {
      xhrProgressEvents = 0;
      const b = await measure(() => path.baseline(file, null, pre));
      b.progressCalls = xhrProgressEvents;
      return b;
    }
    const p = progress();
    const o = await measure(() => path.ours(file, p, pre));
    o.progressCalls = p.calls;
    if (p.backwards) o.error = "onProgress went backwards";
    return o;
  }

  // Ratios: pairs of runs, the order alternating (plain first, then ours first), so that a
  // drift in the machine's load hits both sides alike.
  const rows = [];
  const t0 = performance.now();
  const ratioFile = await makeWav(ratioSize);
  const writeMs = performance.now() - t0;
  for (const path of paths2) {
    const row = { path: path.name, size: path.bytes ?? ratioSize, baseline: [], ours: [], errors: [] };
    rows.push(row);
    if (!path.available) { row.skipped = "not exported by this build"; continue; }
    if (ratioSize > (path.maxSize ?? Infinity)) { row.skipped = "over the method's 128 MB limit"; continue; }
    for (let i = 0; i < pairs; i++) {
      for (const side of i % 2 ? ["ours", "baseline"] : ["baseline", "ours"]) {
        const r = await runOnce(path, side, ratioFile.file);
        if (r.error) row.errors.push(`${side}: ${r.error}`); else row[side].push(r);
      }
    }
  }
  await root.removeEntry(ratioFile.name);

  return { check, rows, memory, writeMs, memWriteMs, wasmInit: wasmAtInit, wasmAtEnd: wasm.memory.buffer.byteLength, hasPerfMemory: !!performance.memory };
}

// Raw CDP, not Playwright: see _cdp.mjs (Playwright's network instrumentation copies every
// request body through the debugging pipe).
const browser = await launchCdp(["--js-flags=--expose-gc", "--enable-precise-memory-info"]);
let res;
try {
  const page = await browser.open(`${BASE}/bench/index.html`);
  await page.define({ wavHeader, writeOpfsWav });
  res = await page.evaluate(inPage, { ratioSize: RATIO_SIZE, pairs: PAIRS, memorySize: MEMORY_SIZE, chatBytes: CHAT_BYTES, apiKey: API_KEY, base: BASE });
} finally {
  await browser.close();
}

const mibps = (size, ms) => size / MiB / (ms / 1000);
const fmtSize = (b) => (b >= MiB ? `${b / MiB} MiB` : `${(b / 1e6).toFixed(2)} MB`);
const out = [["path", "size", "plain XHR MiB/s", "ours MiB/s", "ours/plain", "wasm growth MiB", "peak heap +MiB (plain/ours)", "progress events (plain/ours)"]];
let failed = false;
const notes = [];
const KEYS = { "uploadAudio upload": "upload", "uploadAudio uploadAsStream": "uploadAsStream", "uploadAudio uploadBadge": "uploadBadge",
  presignedUpload: "presigned", uploadVelaCall: "uploadVelaCall", uploadText: "uploadText" };
const upload = { pairs: PAIRS, file_bytes: RATIO_SIZE, chat_bytes: CHAT_BYTES, mib_per_s: {} };
const memory = { file_bytes: MEMORY_SIZE, wasm_initial_bytes: res.wasmInit, wasm_peak_bytes: {}, heap_growth_bytes: {}, wasm_peak_bytes_at_ratio_size: {} };
if (res.check.error) { console.error(`FAIL grpc-web baseline check: ${res.check.error}`); failed = true; }
else notes.push(`baselines checked: hand-built (uploadText: captured) body byte-identical to the package's, grpc-status 0, same stored talk: ${res.check.ok.join(", ")}`);
for (const r of res.rows) {
  const key = KEYS[r.path];
  const size = fmtSize(r.size);
  if (r.skipped) {
    out.push([r.path, size, "-", "-", "skipped", "", "", ""]);
    notes.push(`${r.path} ${size} skipped: ${r.skipped}`);
    Object.assign(upload, missing(`${key}_ratio`, r.skipped));
    continue;
  }
  for (const e of r.errors) { console.error(`FAIL ${r.path} ${size}: ${e}`); failed = true; }
  if (!r.baseline.length || !r.ours.length) {
    out.push([r.path, size, "-", "-", "FAILED", "", "", ""]);
    Object.assign(upload, missing(`${key}_ratio`, `failed: ${r.errors.join("; ")}`));
    continue;
  }
  const b = mibps(r.size, median(r.baseline.map((x) => x.ms)));
  const o = mibps(r.size, median(r.ours.map((x) => x.ms)));
  upload[`${key}_ratio`] = Number((o / b).toFixed(3));
  upload.mib_per_s[key] = { ours: Number(o.toFixed(1)), plain: Number(b.toFixed(1)) };
  memory.wasm_peak_bytes_at_ratio_size[key] = Math.max(...r.ours.map((x) => x.peakWasm));
  const heap = (xs) => (Math.max(...xs.map((x) => x.peakHeap - x.heapBefore)) / MiB).toFixed(1);
  out.push([
    r.path, size, b.toFixed(0), o.toFixed(0), `${(o / b).toFixed(2)}x`,
    (Math.max(...r.ours.map((x) => x.peakWasm - x.wasmBefore)) / MiB).toFixed(1),
    `${heap(r.baseline)} / ${heap(r.ours)}`,
    `${Math.max(...r.baseline.map((x) => x.progressCalls))} / ${Math.max(...r.ours.map((x) => x.progressCalls))}`,
  ]);
}
console.log(`${PAIRS} pairs per row (plain XHR and ours, the order alternating), median; files on OPFS; ` +
  `heap = peak performance.memory.usedJSHeapSize minus its value before the upload` +
  (res.hasPerfMemory ? "" : " (performance.memory unavailable: 0)"));
table(out, { right: [2, 3, 4, 5] });
for (const n of notes) console.log(n);

const mem = [["path (ours, one upload)", "size MiB", "MiB/s", "peak wasm MiB", "heap growth MiB"]];
for (const m of res.memory) {
  const key = KEYS[m.path];
  if (m.skipped || m.error) {
    if (m.error) { console.error(`FAIL ${m.path} ${m.size / MiB} MiB: ${m.error}`); failed = true; }
    Object.assign(memory.wasm_peak_bytes, missing(key, m.skipped ?? `failed: ${m.error}`));
    Object.assign(memory.heap_growth_bytes, missing(key, m.skipped ?? `failed: ${m.error}`));
    mem.push([m.path, String(m.size / MiB), "-", "-", m.skipped ?? "FAILED"]);
    continue;
  }
  memory.wasm_peak_bytes[key] = m.peakWasm;
  memory.heap_growth_bytes[key] = Math.max(0, m.peakHeap - m.heapBefore);
  mem.push([m.path, String(m.size / MiB), mibps(m.size, m.ms).toFixed(0), (m.peakWasm / MiB).toFixed(1), ((m.peakHeap - m.heapBefore) / MiB).toFixed(1)]);
}
console.log(`\nmemory during one upload of ${MEMORY_SIZE / MiB} MiB per path (wasm memory after init: ${(res.wasmInit / MiB).toFixed(1)} MiB)`);
table(mem, { right: [1, 2, 3] });
console.log(`OPFS file writes (setup, not timed above): ${RATIO_SIZE / MiB} MiB in ${(res.writeMs / 1000).toFixed(1)} s, ` +
  `${MEMORY_SIZE / MiB} MiB in ${(res.memWriteMs / 1000).toFixed(1)} s; wasm memory at the end: ${(res.wasmAtEnd / MiB).toFixed(1)} MiB`);
writePart("upload", { upload, memory });
process.exit(failed ? 1 : 0);
