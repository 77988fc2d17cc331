// Start-up: how long the package takes before it can work, and before an upload's first byte.
//
// init: `await init({ module_or_path: bytes })` (compile + instantiate, the .wasm already
//   fetched) in a fresh browser context each time, so nothing is cached: START_LOADS cold
//   loads, median. Also `await init()` as a site calls it (fetch + streaming compile), for reading.
// first byte: from the `uploadAudio(file, ...)` call to the first byte of its first request as
//   the server's socket sees it. A TCP proxy in front of the devserver timestamps every request
//   line it forwards (same machine, same clock as the page's performance.timeOrigin + now()).
//   The page is on the devserver's origin and the endpoint is the proxy's, so the call is
//   cross-origin as on a real site: its first request is the CORS preflight. Baseline: a plain
//   XHR of the same file with the same headers, timed the same way, alternating with ours.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { env, median, table, MiB } from "./_browser.mjs";
import { launchCdp } from "./_cdp.mjs";
import { wavHeader, writeOpfsWav } from "../tests/support/wav.mjs";
import { writePart, SMOKE } from "./_results.mjs";

const BASE = env("BENCH_DEVSERVER");
const API_KEY = env("BENCH_API_KEY");
const LOADS = Number(process.env.BENCH_START_LOADS || (SMOKE ? 2 : 10));
const RUNS = Number(process.env.BENCH_FIRST_BYTE_RUNS || (SMOKE ? 1 : 10));
const FILE_SIZE = 4 * MiB;

// ---- the timestamping proxy ----
const upstream = new URL(BASE);
const requests = [];
const sockets = new Set();
const proxy = createServer((client) => {
  const server = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
  sockets.add(client); sockets.add(server);
  client.on("data", (chunk) => {
    const t = performance.timeOrigin + performance.now();
    const line = /^(OPTIONS|POST|GET|PUT|HEAD|DELETE|PATCH) (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.subarray(0, 2048).toString("latin1"));
    if (line) requests.push({ t, method: line[1], path: line[2] });
  });
  client.pipe(server);
  server.pipe(client);
  const end = () => { client.destroy(); server.destroy(); sockets.delete(client); sockets.delete(server); };
  client.on("error", end); server.on("error", end); client.on("close", end); server.on("close", end);
});
await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
const PROXY = `http://127.0.0.1:${proxy.address().port}`;

// The entries to time: the main one and, when the build has it, talk-uploader/validate, as the
// devserver serves pkg/ under /pkg/.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const entries = { main: { js: "/pkg/index.js", wasm: "/pkg/talk_uploader_bg.wasm" } };
{
  const e = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports?.["./validate"];
  const target = typeof e === "string" ? e : e?.default;
  const file = target && join(ROOT, target);
  const wasm = file && existsSync(file) && readdirSync(dirname(file)).find((f) => f.endsWith("_bg.wasm"));
  if (wasm) {
    const url = (p) => `/pkg/${relative(join(ROOT, "pkg"), p)}`;
    entries.validate = { js: url(file), wasm: url(join(dirname(file), wasm)) };
  }
}

async function initCold({ streaming, js, wasm }) {
  const bytes = streaming ? null : await (await fetch(wasm)).arrayBuffer();
  const tu = await import(js); // the JS module itself is not part of the figure
  const t0 = performance.now();
  await (streaming ? tu.default() : tu.default({ module_or_path: bytes }));
  const ms = performance.now() - t0;
  if (typeof tu.version() !== "string") throw new Error("init did not give a working module");
  return ms;
}

async function firstByte({ side, apiKey, endpoint, size }) {
  const tu = globalThis.__tu ??= await import("/pkg/index.js");
  if (!globalThis.__inited) { await tu.default(); globalThis.__inited = true; }
  const file = globalThis.__file ??= await writeOpfsWav("start-bench.wav", size, wavHeader(size - 44, { sampleRate: 16000, channels: 1 }));
  const metadata = { operator_name: "Bench Operator", operator_id: "op-1", date: "2024-03-01T08:00:00Z", language: "ru-RU" };
  const t = performance.timeOrigin + performance.now();
  if (side === "ours") {
    await tu.uploadAudio(file, metadata, { endpoint, apiKey, connectionId: "bench-audio" });
  } else {
    // The same file and headers; the server answers with a gRPC error (a raw file is not a
    // framed message), which does not matter here: only the first byte is timed.
    await new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open("POST", `${endpoint}/yandex.cloud.speechsense.v1.TalkService/UploadBadge`);
      for (const [k, v] of Object.entries({ "content-type": "application/grpc-web+proto", "x-grpc-web": "1", "x-user-agent": "talk-uploader", authorization: `Api-Key ${apiKey}` })) x.setRequestHeader(k, v);
      x.upload.onprogress = () => {};
      x.onload = resolve;
      x.onerror = () => reject(new Error("network error"));
      x.send(file);
    });
  }
  return t;
}

const browser = await launchCdp();
const init = { bytes: [], streaming: [], validate: [] };
const fb = { ours: [], baseline: [], oursPost: [], baselinePost: [] };
try {
  for (let i = 0; i < LOADS; i++) {
    for (const streaming of i % 2 ? [true, false] : [false, true]) {
      const page = await browser.open(`${BASE}/bench/index.html`, { newContext: true });
      init[streaming ? "streaming" : "bytes"].push(await page.evaluate(initCold, { streaming, ...entries.main }));
      await page.close();
    }
    if (entries.validate) {
      const page = await browser.open(`${BASE}/bench/index.html`, { newContext: true });
      init.validate.push(await page.evaluate(initCold, { streaming: false, ...entries.validate }));
      await page.close();
    }
  }
  const page = await browser.open(`${BASE}/bench/index.html`, { newContext: true });
  await page.define({ wavHeader, writeOpfsWav });
  // One of each first, untimed: the connection to the proxy and the CORS preflight cache are
  // then in the same state for every timed run (Chromium caches a preflight for a while; the
  // first request is then the POST itself).
  for (let i = 0; i < RUNS + 1; i++) {
    for (const side of i % 2 ? ["baseline", "ours"] : ["ours", "baseline"]) {
      requests.length = 0;
      const t = await page.evaluate(firstByte, { side, apiKey: API_KEY, endpoint: PROXY, size: FILE_SIZE });
      const after = requests.filter((r) => r.t >= t - 1);
      if (!after.length) throw new Error(`${side}: the proxy saw no request after the call`);
      if (i === 0) continue;
      fb[side].push(after[0].t - t);
      const post = after.find((r) => r.method === "POST");
      if (post) fb[`${side}Post`].push(post.t - t);
    }
  }
  await page.evaluate(async () => { await (await navigator.storage.getDirectory()).removeEntry("start-bench.wav"); });
} finally {
  await browser.close();
  for (const s of sockets) s.destroy();
  proxy.close();
}

const r1 = (x) => Number(x.toFixed(1));
table([
  ["figure", "median ms", "runs"],
  ["init: compile + instantiate (bytes in hand), cold", median(init.bytes).toFixed(1), String(init.bytes.length)],
  ["init: fetch + streaming compile + instantiate, cold", median(init.streaming).toFixed(1), String(init.streaming.length)],
  ["init of talk-uploader/validate: compile + instantiate, cold", init.validate.length ? median(init.validate).toFixed(1) : "-", String(init.validate.length)],
  ["first byte: uploadAudio call -> first request byte", median(fb.ours).toFixed(1), String(fb.ours.length)],
  ["first byte: plain XHR send -> first request byte", median(fb.baseline).toFixed(1), String(fb.baseline.length)],
  ["first byte: uploadAudio call -> first POST byte", fb.oursPost.length ? median(fb.oursPost).toFixed(1) : "-", String(fb.oursPost.length)],
], { right: [1, 2] });
writePart("start", {
  start: {
    init_ms: r1(median(init.bytes)),
    init_streaming_ms: r1(median(init.streaming)),
    init_loads: init.bytes.length,
    ...(init.validate.length ? { validate_init_ms: r1(median(init.validate)) } : { validate_init_ms: null, validate_init_ms_reason: "this build has no talk-uploader/validate entry" }),
    first_byte_ms: r1(median(fb.ours)),
    first_byte_baseline_ms: r1(median(fb.baseline)),
    first_post_byte_ms: fb.oursPost.length ? r1(median(fb.oursPost)) : null,
    first_byte_runs: fb.ours.length,
    first_byte_file_bytes: FILE_SIZE,
  },
});
