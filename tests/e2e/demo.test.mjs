// End to end: the real demo page, served by the real devserver, driven in headless Chromium.
// It checks a chat, uploads it, uploads a synthesized WAV through uploadAudio, and compares
// what the server stored with what was sent. Screenshots land in tests/e2e/out/.
// All of it under the page's Content-Security-Policy (devserver/src/csp.rs): the header must be
// there, and no flow may trip it (securitypolicyviolation events and console errors are kept).
// With TALK_UPLOADER_DEMO_VIA_GATEWAY=1 (how `npm run demo` runs it) the page is served with a
// demo-config.json naming talk-gateway: every call then goes through the gateway with an upload
// ticket, and no request from the page may carry the API key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { launchChromium } from "../support/browser.mjs";
import { synthWav } from "../support/wav.mjs";

const base = process.env.TALK_UPLOADER_DEVSERVER_URL;
const apiKey = process.env.TALK_UPLOADER_TEST_API_KEY;
const viaGateway = process.env.TALK_UPLOADER_DEMO_VIA_GATEWAY === "1";
const pageRequests = [];
const out = new URL("./out/", import.meta.url);
let browser, page;
const violations = [];
const consoleErrors = [];

before(async () => {
  assert.ok(base && apiKey, "run through npm test: TALK_UPLOADER_DEVSERVER_URL / _TEST_API_KEY missing");
  mkdirSync(out, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on("pageerror", (e) => console.error("page error:", e));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("request", (r) => pageRequests.push({ url: r.url(), headers: r.headers() }));
  // Injected by the browser itself (not an inline script), before any page script runs.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  page.on("console", (m) => { if (m.text().startsWith("CSP violation:")) violations.push(m.text()); });
  const nav = await page.goto(`${base}/`);
  const csp = nav.headers()["content-security-policy"] ?? "";
  assert.match(csp, /(^|;)\s*script-src 'self' 'wasm-unsafe-eval'\s*(;|$)/, `the demo page's CSP: ${csp}`);
  const tokens = csp.split(/[\s;]+/);
  assert.ok(!tokens.includes("'unsafe-eval'") && !tokens.includes("'unsafe-inline'"), csp);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /base-uri 'none'/);
  await page.waitForFunction(() => document.title.startsWith("talk-uploader "));
  if (!viaGateway) await page.fill("#api-key", apiKey);
  await page.fill("#chat-connection", "test-chat");
  await page.fill("#audio-connection", "test-audio-1");
});

after(async () => {
  await browser?.close();
});

async function api(path) {
  const r = await fetch(`${base}${path}`);
  assert.equal(r.status, 200, path);
  return r.json();
}

test("a broken chat shows its errors with line and column, and nothing is sent", async () => {
  const before = (await api("/api/talks")).length;
  await page.fill("#chat-json", '{\n  "messages": [\n    {"user_id": "nobody", "text": "hi", "timestamp": "2025-02-30T10:00:00Z"}\n  ]\n}');
  await page.click("#upload-chat");
  const items = page.locator("#chat-issues li.error");
  await items.first().waitFor();
  const text = (await items.allTextContents()).join("\n");
  assert.match(text, /^3:/m, text); // the offending message is on line 3
  assert.match(text, /\/messages\/0\/timestamp/, text);
  assert.match(text, /\/messages\/0\/user_id/, text);
  await page.screenshot({ path: new URL("chat-errors.png", out).pathname, fullPage: true });
  assert.equal((await api("/api/talks")).length, before, "an invalid chat was uploaded");
});

test("a valid chat is uploaded and stored as sent", async () => {
  await page.reload();
  await page.waitForFunction(() => document.title.startsWith("talk-uploader "));
  if (!viaGateway) await page.fill("#api-key", apiKey);
  await page.fill("#chat-connection", "test-chat");
  await page.click("#upload-chat");
  await page.waitForFunction(() => document.getElementById("result-text").textContent.includes("talkId"));
  const result = JSON.parse(await page.textContent("#result-text"));
  const talk = await api(`/api/talks/${result.talkId}`);
  assert.equal(talk.method, "UploadText");
  assert.equal(talk.messages.length, 3);
  assert.equal(talk.messages[0].text, "Hello, my order has not arrived.");
  assert.equal(talk.messages[0].timestamp, "2025-04-24T11:34:19Z");
  assert.equal(talk.fields.operator_id, "op-1");
});

test("a WAV dropped on the page is sniffed and uploaded byte-exact", async () => {
  const wav = synthWav({ seconds: 3 });
  const path = new URL("speech.wav", out).pathname;
  writeFileSync(path, wav);
  await page.fill("#audio-connection", "test-audio-1");
  await page.setInputFiles("#file", path);
  await page.waitForFunction(() => document.getElementById("audio-info").textContent.includes("16000"));
  await page.selectOption("#method", "uploadAsStream");
  await page.click("#upload-audio");
  await page.waitForFunction(() => /talkId|Error/.test(document.getElementById("result-text").textContent));
  await page.screenshot({ path: new URL("audio-uploaded.png", out).pathname, fullPage: true });
  const result = JSON.parse(await page.textContent("#result-text"));
  const talk = await api(`/api/talks/${result.talkId}`);
  assert.equal(talk.audio.bytes, wav.length);
  assert.equal(talk.audio.sha256, createHash("sha256").update(wav).digest("hex"));
  assert.equal(talk.audio.container, "wav");
  assert.match(await page.textContent("#progress-text"), /^done/);
});

test("the same WAV goes to Vela through a presigned S3 POST, byte-exact", async () => {
  const wav = synthWav({ seconds: 2, sampleRate: 8000 });
  const path = new URL("vela.wav", out).pathname;
  writeFileSync(path, wav);
  await page.setInputFiles("#file", path);
  await page.waitForFunction(() => document.getElementById("audio-info").textContent.includes("8000"));
  await page.click("#upload-vela");
  await page.waitForFunction(() => /"key"|Error/.test(document.getElementById("result-text").textContent));
  const result = JSON.parse(await page.textContent("#result-text"));
  assert.match(result.key, /^demo-org\//);
  const stored = await api(`/api/objects/${result.key}`);
  assert.equal(stored.bytes, wav.length);
  assert.equal(stored.sha256, createHash("sha256").update(wav).digest("hex"));
  await page.screenshot({ path: new URL("vela-uploaded.png", out).pathname, fullPage: true });
});

test("a broken batch zip shows its problems per entry, and a good one is stored byte-exact", async () => {
  await page.click("#batch-sample-bad");
  const bad = page.locator("#batch-issues li.error");
  await bad.first().waitFor();
  const text = (await bad.allTextContents()).join("\n");
  assert.match(text, /calls\/april\.csv \/2\/2 .*csv_column_count|calls\/april\.csv \/2\/\d.*csv_column_count/, text);
  assert.match(text, /zip_unsafe_name/, text);
  assert.match(text, /zip_duplicate_name/, text);
  await page.click("#batch-sample-good");
  await page.locator("#batch-issues li.ok").waitFor();
  assert.match(await page.textContent("#batch-entries"), /csv .*calls\/april\.csv/);
  await page.screenshot({ path: new URL("batch-inspected.png", out).pathname, fullPage: true });
  await page.click("#batch-upload");
  await page.waitForFunction(() => /"report"|Error/.test(document.getElementById("result-text").textContent));
  const result = JSON.parse(await page.textContent("#result-text"));
  assert.equal(result.report.ok, true);
  assert.match(result.key, /^demo-org\//);
  const stored = await api(`/api/objects/${result.key}`);
  // The byte-exact check of uploadVelaBatch is tests/browser_zip.rs; here, the size the page inspected.
  assert.equal(stored.bytes, result.report.stats.bytes);
});

test("Labelbox conversations are hosted and become import rows", async () => {
  await page.click("#labelbox-check");
  await page.locator("#labelbox-issues li.error").first().waitFor();
  const checked = (await page.locator("#labelbox-issues li").allTextContents()).join("\n");
  assert.match(checked, /items\[2\] \/version/, checked);
  assert.match(checked, /shown_literally/, checked);
  await page.click("#labelbox-upload");
  await page.waitForFunction(() => /"rows"|Error/.test(document.getElementById("result-text").textContent));
  const result = JSON.parse(await page.textContent("#result-text"));
  assert.equal(result.rows.length, 2, JSON.stringify(result));
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0], /^items\[2\]: validation_failed/);
  for (const row of result.rows) {
    assert.equal(row.media_type, "CONVERSATIONAL");
    assert.match(row.global_key, /^sha256-[0-9a-f]{64}$/);
    const key = decodeURIComponent(new URL(row.row_data).pathname.split("/").slice(2).join("/"));
    // The default global key is the SHA-256 of the bytes uploaded: what S3 stored.
    const stored = await api(`/api/objects/${key}`);
    assert.equal(`sha256-${stored.sha256}`, row.global_key);
  }
  await page.screenshot({ path: new URL("labelbox-rows.png", out).pathname, fullPage: true });
});

test("through the gateway, the page holds a ticket and never the API key", { skip: !viaGateway }, async () => {
  assert.equal(await page.inputValue("#api-key"), "");
  assert.ok(await page.isDisabled("#api-key"));
  const uploads = pageRequests.filter((r) => /TalkService|\/vela\//.test(r.url));
  assert.ok(uploads.length >= 3, `uploads seen: ${uploads.map((r) => r.url).join(", ")}`);
  for (const r of pageRequests) {
    assert.ok(!JSON.stringify(r).includes(apiKey), `${r.url} carried the API key`);
  }
  for (const r of uploads) {
    assert.ok(!r.url.startsWith(base), `${r.url} went to the devserver, not the gateway`);
    if (r.headers.authorization) assert.match(r.headers.authorization, /^Bearer ey/);
  }
});

test("no flow tripped the CSP, and the CSP really is enforced", async () => {
  const cspErrors = consoleErrors.filter((t) => /Content.Security.Policy|Refused to|CSP violation/i.test(t));
  assert.deepEqual(violations, [], "CSP violations during the flows");
  assert.deepEqual(cspErrors, [], "CSP console errors during the flows");
  // A control, so that the listener above cannot pass by hearing nothing: an origin outside
  // connect-src is refused, and reported.
  const outcome = await page.evaluate(() => fetch("http://127.0.0.1:9/").then(() => "fetched", (e) => e.name));
  assert.equal(outcome, "TypeError");
  for (let i = 0; i < 50 && violations.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(violations.length, 1, `expected one reported violation, got ${JSON.stringify(violations)}`);
  assert.match(violations[0], /connect-src blocked http:\/\/127\.0\.0\.1:9/);
});
