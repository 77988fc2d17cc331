// End to end: <talk-uploader-drop> as an app gets it. `npm pack` the package, install the
// tarball into a fresh Vite project by name, `vite build` a page that imports
// "talk-uploader/widget" and createValidator from "talk-uploader", and run it in headless
// Chromium and Firefox ESR against the devserver: the widget checks and uploads a WAV (the
// devserver's sha256 must be the file's), createValidator() answers from its bundled Worker, and
// axe-core reports no violations on the widget. One build and one static server for the file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, launchFirefox, which } from "../support/browser.mjs";
import { synthWav } from "../support/wav.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const base = process.env.TALK_UPLOADER_DEVSERVER_URL;
const apiKey = process.env.TALK_UPLOADER_TEST_API_KEY;
const wav = synthWav({ seconds: 2 });
const wavSha = createHash("sha256").update(wav).digest("hex");
let dir, server, url;

before(() => {
  assert.ok(base && apiKey, "run through npm test: TALK_UPLOADER_DEVSERVER_URL / _TEST_API_KEY missing");
  dir = mkdtempSync(join(tmpdir(), "talk-uploader-widget-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const tarball = join(dir, JSON.parse(out)[0].filename);
  const home = join(dir, "app");
  const target = join(home, "node_modules", "talk-uploader");
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  writeFileSync(join(home, "package.json"), JSON.stringify({ name: "widget-app", type: "module", private: true }));
  writeFileSync(join(home, "index.html"), `<!doctype html><html lang="en"><meta charset="utf-8"><title>widget app</title><link rel="icon" href="data:,">
<main><h1>Upload a call</h1>
<talk-uploader-drop id="drop" target="speechsense-audio" connection-id="test-audio-1"></talk-uploader-drop></main>
<script type="module" src="./main.js"></script>`);
  // What an app writes: the element, its credentials, and the worker validator.
  writeFileSync(join(home, "main.js"), `
    import "talk-uploader/widget";
    import { createValidator } from "talk-uploader";
    const q = new URLSearchParams(location.search);
    const drop = document.getElementById("drop");
    drop.endpoint = q.get("endpoint");
    drop.credentials = q.get("key");
    drop.metadata = { operator_name: "Alice", operator_id: "op-1", date: "2025-04-24T14:34:19Z", language: "ru-RU" };
    const log = (k, v) => { document.body.dataset[k] = JSON.stringify(v); };
    drop.addEventListener("tu-validated", (e) => log("validated", { ok: e.detail.ok, codec: e.detail.info && e.detail.info.codec }));
    drop.addEventListener("tu-done", (e) => log("done", e.detail.result));
    drop.addEventListener("tu-error", (e) => log("error", e.detail.error));
    window.uploadWav = async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      await drop.setFile(new File([bytes], "call.wav", { type: "audio/wav" }));
      await drop.upload().catch(() => {});
    };
    window.validateInWorker = async () => {
      const v = createValidator();
      const r = await v.validate(new Blob(['{"messages": [{"user_id": "x", "text": "hi", "timestamp": "2025-02-30T10:00:00Z"}]}']), { kind: "speechsense-chat" });
      v.terminate();
      log("worker", { ok: r.ok, codes: r.errors.map((e) => e.code) });
    };
    document.body.dataset.ready = "1";
  `);
  execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--logLevel", "error"], { cwd: home, encoding: "utf8" });
  const dist = join(home, "dist");
  const assets = readdirSync(join(dist, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `Vite emitted no .wasm: ${assets}`);
  assert.ok(assets.some((f) => /^validate-worker.*\.js$/.test(f)), `Vite emitted no worker: ${assets}`);
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  server = createServer((req, res) => {
    const path = normalize(join(dist, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    if (!file.startsWith(dist) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => {
    url = `http://127.0.0.1:${server.address().port}/?endpoint=${encodeURIComponent(base)}&key=${encodeURIComponent(apiKey)}`;
    ok();
  }));
});

after(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function stored(result) {
  const r = await fetch(`${base}/api/talks/${result.talkId}`);
  assert.equal(r.status, 200);
  return (await r.json()).audio;
}

test("Chromium: the bundled widget checks and uploads a WAV byte-exact; the worker validates; axe finds nothing", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready);
    await page.evaluate((b64) => window.uploadWav(b64), wav.toString("base64"));
    await page.waitForFunction(() => document.body.dataset.done || document.body.dataset.error, null, { timeout: 30_000 });
    const data = await page.evaluate(() => ({ ...document.body.dataset }));
    assert.equal(data.error, undefined, data.error);
    assert.deepEqual(JSON.parse(data.validated), { ok: true, codec: "pcm_s16le" });
    const audio = await stored(JSON.parse(data.done));
    assert.equal(audio.sha256, wavSha);
    await page.evaluate(() => window.validateInWorker());
    await page.waitForFunction(() => document.body.dataset.worker);
    assert.deepEqual(JSON.parse(await page.evaluate(() => document.body.dataset.worker)), { ok: false, codes: ["invalid_calendar_date"] });
    const require = createRequire(import.meta.url);
    await page.evaluate(readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations.map((v) => `${v.id}: ${v.help}`));
    assert.deepEqual(violations, []);
    await page.screenshot({ path: fileURLToPath(new URL("./out/vite-widget-chromium.png", import.meta.url)), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("Firefox: the bundled widget uploads a WAV byte-exact and the worker validates", { skip: !which("geckodriver") && "no geckodriver" }, async () => {
  const ff = await launchFirefox();
  try {
    await ff.goto(url);
    await ff.waitFor("return document.body.dataset.ready");
    await ff.execute("window.uploadWav(arguments[0]); return true;", [wav.toString("base64")]);
    await ff.waitFor("return document.body.dataset.done || document.body.dataset.error", { timeout: 30_000 });
    const data = await ff.execute("return { ...document.body.dataset };");
    assert.equal(data.error, undefined, data.error);
    assert.deepEqual(JSON.parse(data.validated), { ok: true, codec: "pcm_s16le" });
    assert.equal((await stored(JSON.parse(data.done))).sha256, wavSha);
    await ff.execute("window.validateInWorker(); return true;");
    const worker = await ff.waitFor("return document.body.dataset.worker");
    assert.deepEqual(JSON.parse(worker), { ok: false, codes: ["invalid_calendar_date"] });
  } finally {
    await ff.close();
  }
});
