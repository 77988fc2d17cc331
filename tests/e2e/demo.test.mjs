// End to end: the real demo page (www/, one <talk-uploader-drop> per target), served by the real
// devserver, driven in headless Chromium. For every target: a sample passes its checks, the file
// goes in through the widget's real <input type=file> (setInputFiles), it is uploaded, and the
// devserver's API confirms what it stored (sha256 of the bytes, or the chat's messages). Then the
// failures: broken JSON whose issue selects its line, a wrong credential, a cancel mid-upload
// that stores nothing. Russian strings, axe-core on every widget, and the page's CSP.
// Screenshots of the main states land in tests/e2e/out/ (git-ignored).
// With TALK_UPLOADER_DEMO_VIA_GATEWAY=1 (how `npm run demo` runs it) the page is served with a
// demo-config.json naming talk-gateway: every call then goes through the gateway with an upload
// ticket, and no request from the page may carry the API key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launchChromium, which } from "../support/browser.mjs";
import { synthWav } from "../support/wav.mjs";

const base = process.env.TALK_UPLOADER_DEVSERVER_URL;
const apiKey = process.env.TALK_UPLOADER_TEST_API_KEY;
const viaGateway = process.env.TALK_UPLOADER_DEMO_VIA_GATEWAY === "1";
const mode = viaGateway ? "gateway" : "direct";
const out = new URL("./out/", import.meta.url);
const shot = (name) => new URL(`${mode}-${name}.png`, out).pathname;
const sha = (b) => createHash("sha256").update(b).digest("hex");
const pageRequests = [];
const violations = [];
const consoleErrors = [];
const TARGETS = ["speechsense-audio", "speechsense-chat", "vela-call", "vela-chat", "labelbox", "vela-batch"];
let browser, page;

before(async () => {
  assert.ok(base && apiKey, "run through npm test: TALK_UPLOADER_DEVSERVER_URL / _TEST_API_KEY missing");
  mkdirSync(out, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 1200 } });
  page.on("pageerror", (e) => consoleErrors.push(`page error: ${e}`));
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

const w = (t) => `#w-${t}`;
const summary = (t) => page.locator(`${w(t)} #sum`).textContent();
/** Clicks a sample button and waits for the widget's checks of it. */
async function sample(t, locator) {
  await page.evaluate((sel) => { document.querySelector(sel).shadowRoot.getElementById("sum").textContent = ""; }, w(t));
  await (typeof locator === "string" ? page.locator(locator) : locator).click();
  return waitChecked(t);
}
async function waitChecked(t) {
  await page.waitForFunction((sel) => {
    const s = document.querySelector(sel).shadowRoot.getElementById("sum").textContent;
    return s && !/…$/.test(s);
  }, w(t));
  return summary(t);
}
async function waitResult(t) {
  await page.waitForFunction((sel) => document.querySelector(sel).shadowRoot.getElementById("r").textContent, w(t), { timeout: 60_000 });
  return page.locator(`${w(t)} #r`).textContent();
}

/** The bytes of the sample now in the widget: its file, or its editor's JSON text. */
async function sampleBytes(t) {
  const b64 = await page.evaluate(async (sel) => {
    const el = document.querySelector(sel);
    const blob = el.file && !["speechsense-chat", "vela-chat", "labelbox"].includes(el.target) ? el.file : new Blob([el.value]);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, w(t));
  return Buffer.from(b64, "base64");
}

/** A WAV really spoken by espeak-ng (Debian's espeak-ng + sox), or a synthesized one without them. */
function spokenWav(rate) {
  const path = new URL(`spoken-${rate}.wav`, out).pathname;
  if (which("espeak-ng") && which("sox")) {
    const raw = new URL(`spoken-raw.wav`, out).pathname;
    execFileSync("espeak-ng", ["-v", "en-us", "-w", raw, "Hello, my order has not arrived yet. Could you check it, please?"]);
    execFileSync("sox", [raw, "-r", String(rate), "-c", "1", "-b", "16", "-e", "signed-integer", path]);
  } else writeFileSync(path, synthWav({ seconds: 3, sampleRate: rate }));
  return path;
}

const FILE_NAME = {
  "speechsense-chat": "chat.json", "vela-chat": "vela-chat.json", labelbox: "conversation.json", "vela-batch": "batch.zip",
};

test("the empty page: every target has a tab, a widget and samples", async () => {
  const tabs = await page.locator("[role=tab]").allTextContents();
  assert.equal(tabs.length, 7, tabs.join());
  assert.ok(tabs.includes("Check & convert"));
  await page.screenshot({ path: shot("empty"), fullPage: true });
  for (const t of TARGETS) {
    await page.click(`#tab-${t}`);
    assert.equal(await page.locator(`#panel-${t}`).isVisible(), true);
    assert.ok(await page.locator(`#panel-${t} button.sample`).count() >= 2, `${t}: valid and invalid samples`);
  }
  // Keyboard: arrow keys move between tabs.
  await page.focus("#tab-vela-batch");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-convert");
});

for (const t of TARGETS) {
  test(`${t}: a sample passes its checks, goes in through the file input, and is stored as sent`, async () => {
    await page.click(`#tab-${t}`);
    const valid = await page.locator(`#panel-${t} button.sample:not(.bad)`).all();
    for (const b of valid.reverse()) assert.match(await sample(t, b), /^All checks passed/, `${t} sample ${await b.textContent()}`);
    let path, bytes;
    if (t === "speechsense-audio" || t === "vela-call") {
      path = spokenWav(t === "vela-call" ? 8000 : 16000);
      bytes = readFileSync(path);
    } else {
      bytes = await sampleBytes(t);
      // CRLF line ends, which a textarea turns into LF: what is hosted must still be the file's bytes.
      if (t === "labelbox") bytes = Buffer.from(bytes.toString("utf8").replace(/\n/g, "\r\n"));
      path = new URL(`${mode}-${FILE_NAME[t]}`, out).pathname;
      writeFileSync(path, bytes);
    }
    await page.evaluate((sel) => { document.querySelector(sel).shadowRoot.getElementById("sum").textContent = ""; }, w(t));
    await page.setInputFiles(`${w(t)} input[type=file]`, path);
    assert.match(await waitChecked(t), /^All checks passed/, `${t} from the file input`);
    await page.click(`${w(t)} #u`);
    const text = await waitResult(t);
    assert.match(text, /^Stored: /, `${t}: ${text}`);
    const result = JSON.parse(text.slice(text.indexOf("\n") + 1));
    // The page's storage panel and the API agree with the local bytes.
    await page.locator(`#stored tr[data-target="${t}"]`).first().waitFor();
    assert.equal(await page.locator(`#stored tr[data-target="${t}"]`).first().getAttribute("data-match"), "true");
    if (t === "speechsense-audio") {
      const talk = await api(`/api/talks/${result.talkId}`);
      assert.equal(talk.audio.sha256, sha(bytes));
      assert.equal(talk.audio.bytes, bytes.length);
    } else if (t === "speechsense-chat" || t === "vela-chat") {
      const talk = await api(`/api/talks/${result.talkId || result.chatId}`);
      const sent = JSON.parse(bytes);
      const msgs = sent.messages ?? sent.chat_data.messages;
      assert.equal(talk.messages.length, msgs.length);
      assert.equal(talk.messages[0].text, msgs[0].text ?? msgs[0].content);
    } else {
      assert.match(result.key, /^demo-org\//);
      const stored = await api(`/api/objects/${result.key}`);
      assert.equal(stored.sha256, sha(bytes), `${t}: S3 stored other bytes`);
      if (t === "labelbox") assert.equal(result.row.global_key, `sha256-${sha(bytes)}`);
    }
    await page.screenshot({ path: shot(`done-${t}`), fullPage: true });
  });
}

test("a 3 MB chat file is checked in the worker, kept out of the editor, and uploaded whole", async () => {
  await page.click("#tab-speechsense-chat");
  const messages = Array.from({ length: 16000 }, (_, i) => ({ user_id: i % 2 ? "op-1" : "cl-7", text: `Message ${i}: my order has not arrived, could you check the delivery status please?`, timestamp: "2025-04-24T14:34:19.000+03:00" }));
  const path = new URL(`${mode}-big-chat.json`, out).pathname;
  writeFileSync(path, JSON.stringify({ messages }, null, 1));
  await page.evaluate((sel) => { const r = document.querySelector(sel).shadowRoot; r.getElementById("sum").textContent = ""; }, w("speechsense-chat"));
  await page.setInputFiles(`${w("speechsense-chat")} input[type=file]`, path);
  assert.match(await waitChecked("speechsense-chat"), /^All checks passed/);
  assert.equal(await page.evaluate((sel) => document.querySelector(sel).value, w("speechsense-chat")), "", "a 3 MB file went into the editor");
  await page.click(`${w("speechsense-chat")} #u`);
  const text = await waitResult("speechsense-chat");
  assert.match(text, /^Stored: /, text);
  const talk = await api(`/api/talks/${JSON.parse(text.slice(text.indexOf("\n") + 1)).talkId}`);
  assert.equal(talk.messages.length, messages.length);
  assert.equal(talk.messages.at(-1).text, messages.at(-1).text);
});

test("speechsense-audio: the MP3 sample is stored byte-exact too", async () => {
  await page.click("#tab-speechsense-audio");
  assert.match(await sample("speechsense-audio", "#panel-speechsense-audio [data-sample=mp3]"), /^All checks passed/);
  const bytes = await sampleBytes("speechsense-audio");
  await page.evaluate((s) => { document.querySelector(s).shadowRoot.getElementById("r").textContent = ""; }, w("speechsense-audio"));
  await page.click(`${w("speechsense-audio")} #u`);
  const text = await waitResult("speechsense-audio");
  const talk = await api(`/api/talks/${JSON.parse(text.slice(text.indexOf("\n") + 1)).talkId}`);
  assert.equal(talk.audio.container, "mp3");
  assert.equal(talk.audio.sha256, sha(bytes));
});

test("invalid samples show their errors, and nothing is sent", async () => {
  const before = (await api("/api/talks")).length;
  for (const t of TARGETS) {
    await page.click(`#tab-${t}`);
    for (const b of await page.locator(`#panel-${t} button.sample.bad`).all()) {
      assert.match(await sample(t, b), /must be fixed/, `${t} ${await b.textContent()}`);
    }
    await page.screenshot({ path: shot(`errors-${t}`), fullPage: true });
  }
  const issues = (await page.locator(`${w("vela-batch")} #is li`).allTextContents()).join("\n");
  assert.match(issues, /zip_unsafe_name/);
  assert.match(issues, /zip_duplicate_name/);
  await page.click("#tab-speechsense-audio");
  await sample("speechsense-audio", "#panel-speechsense-audio [data-sample=float]");
  assert.match((await page.locator(`${w("speechsense-audio")} #is`).textContent()), /wav_not_pcm16/);
  await page.click(`${w("speechsense-audio")} #u`);
  assert.equal((await api("/api/talks")).length, before, "an invalid input was uploaded");
  assert.equal(await page.locator(`${w("speechsense-audio")} #pk`).getAttribute("aria-invalid"), "true");
});

test("a file dropped on the widget is taken and checked", async () => {
  await page.click("#tab-vela-call");
  await page.evaluate((sel) => { document.querySelector(sel).shadowRoot.getElementById("sum").textContent = ""; }, w("vela-call"));
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    const h = new Uint8Array(44 + 16000);
    const v = new DataView(h.buffer);
    [..."RIFF"].forEach((c, i) => v.setUint8(i, c.charCodeAt(0))); v.setUint32(4, 36 + 16000, true);
    [..."WAVEfmt "].forEach((c, i) => v.setUint8(8 + i, c.charCodeAt(0))); v.setUint32(16, 16, true);
    v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, 8000, true); v.setUint32(28, 16000, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); [..."data"].forEach((c, i) => v.setUint8(36 + i, c.charCodeAt(0))); v.setUint32(40, 16000, true);
    dt.items.add(new File([h], "dropped.wav", { type: "audio/wav" }));
    return dt;
  });
  await page.dispatchEvent(`${w("vela-call")} #d`, "dragover", { dataTransfer });
  await page.dispatchEvent(`${w("vela-call")} #d`, "drop", { dataTransfer });
  await waitChecked("vela-call");
  assert.match(await page.locator(`${w("vela-call")} #fx`).textContent(), /^dropped\.wav \(15\.7 KiB\): wav, pcm_s16le, 8000 Hz/);
});

test("broken JSON: each issue is a link, and clicking it selects its line and column", async () => {
  await page.click("#tab-speechsense-chat");
  await sample("speechsense-chat", "#panel-speechsense-chat [data-sample=broken]");
  const link = page.locator(`${w("speechsense-chat")} #is button`).first();
  const label = await link.textContent();
  const [, line, column] = label.match(/^(\d+):(\d+) /);
  await link.click();
  const sel = await page.evaluate((s) => {
    const root = document.querySelector(s).shadowRoot, ta = root.getElementById("j");
    return { focused: root.activeElement === ta, start: ta.selectionStart, value: ta.value, invalid: ta.getAttribute("aria-invalid"), described: ta.getAttribute("aria-describedby") };
  }, w("speechsense-chat"));
  const lines = sel.value.slice(0, sel.start).split("\n");
  assert.equal(sel.focused, true);
  assert.deepEqual([lines.length, lines.at(-1).length + 1], [Number(line), Number(column)], label);
  assert.match(label, /trailing_comma/);
  assert.equal(sel.value.slice(sel.start, sel.start + 1), ",", "the selection starts at the trailing comma");
  assert.equal(sel.invalid, "true");
  assert.equal(sel.described, "sum is");
  await page.screenshot({ path: shot("errors-json"), fullPage: true });

  // The check & convert tab does the same for its own editor.
  await page.click("#tab-convert");
  await page.click("#panel-convert [data-sample=broken]");
  const a = page.locator("#cv-issues a").first();
  await a.waitFor();
  const [, l2, c2] = (await a.textContent()).match(/^(\d+):(\d+) /);
  await a.click();
  const pos = await page.evaluate(() => { const ta = document.getElementById("cv-src"); return { focused: document.activeElement === ta, before: ta.value.slice(0, ta.selectionStart) }; });
  assert.equal(pos.focused, true);
  assert.deepEqual([pos.before.split("\n").length, pos.before.split("\n").at(-1).length + 1], [Number(l2), Number(c2)]);
});

test("check & convert: SpeechSense → Labelbox → Vela → SpeechSense, each output checked", async () => {
  await page.click("#tab-convert");
  await page.click("#panel-convert [data-sample=speechsense]");
  const chain = [["speechsense", "labelbox"], ["labelbox", "vela"], ["vela", "speechsense"]];
  let text = null;
  for (const [from, to] of chain) {
    if (text) await page.fill("#cv-src", text);
    await page.selectOption("#cv-from", from);
    await page.selectOption("#cv-to", to);
    await page.click("#cv-convert");
    await page.waitForFunction(() => document.getElementById("cv-out").value);
    text = await page.inputValue("#cv-out");
    assert.match(await page.textContent("#cv-summary"), new RegExp(`Converted ${from} → ${to}: no errors`));
  }
  assert.equal(JSON.parse(text).messages[0].text, "Hello, my order has not arrived.");
  await page.screenshot({ path: shot("convert"), fullPage: true });
  // An output opens in its target's tab, and passes there.
  await page.click("#panel-convert [data-sample=speechsense]");
  await page.selectOption("#cv-to", "vela");
  await page.click("#cv-convert");
  await page.waitForFunction(() => document.getElementById("cv-out").value);
  await page.click("#cv-use");
  assert.equal(await page.locator("#panel-vela-chat").isVisible(), true);
  assert.match(await waitChecked("vela-chat"), /^All checks passed/);
  assert.equal(JSON.parse(await page.evaluate((s) => document.querySelector(s).value, w("vela-chat"))).org_id, "demo-org");
});

test("a wrong credential gets a clear message, and nothing is stored", async () => {
  await page.click("#tab-speechsense-chat");
  await sample("speechsense-chat", "#panel-speechsense-chat [data-sample=valid]");
  const before = (await api("/api/talks")).length;
  await page.evaluate(([sel, gw]) => {
    const el = document.querySelector(sel);
    el.credentials = gw ? () => "eyJhbGciOiJIUzI1NiJ9.e30.bm90LWEtc2lnbmF0dXJl" : "wrong-key";
    el.shadowRoot.getElementById("r").textContent = "";
  }, [w("speechsense-chat"), viaGateway]);
  const detail = page.evaluate((sel) => new Promise((r) => document.querySelector(sel).addEventListener("tu-error", (e) => r(e.detail), { once: true })), w("speechsense-chat"));
  await page.click(`${w("speechsense-chat")} #u`);
  const text = await waitResult("speechsense-chat");
  assert.match(text, /^The server refused the credentials/, text);
  assert.equal((await detail).error.code, "unauthenticated");
  assert.equal((await api("/api/talks")).length, before);
  await page.screenshot({ path: shot("wrong-credential"), fullPage: true });
  await page.dispatchEvent("#org-id", "input"); // the page puts its own credentials back
});

test("cancel mid-upload: the upload stops, the widget says so, and nothing is stored", async () => {
  await page.click("#tab-speechsense-audio");
  const before = (await api("/api/talks")).length;
  // A slow link, so that the upload is still going when it is cancelled and when it is shot.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });
  try {
    await page.evaluate((sel) => {
      const el = document.querySelector(sel);
      const h = new DataView(new ArrayBuffer(44));
      const tag = (o, s) => { for (let i = 0; i < 4; i++) h.setUint8(o + i, s.charCodeAt(i)); };
      const n = 24 << 20;
      tag(0, "RIFF"); h.setUint32(4, 36 + n, true); tag(8, "WAVE"); tag(12, "fmt "); h.setUint32(16, 16, true);
      h.setUint16(20, 1, true); h.setUint16(22, 1, true); h.setUint32(24, 16000, true); h.setUint32(28, 32000, true);
      h.setUint16(32, 2, true); h.setUint16(34, 16, true); tag(36, "data"); h.setUint32(40, n, true);
      const pcm = new Uint8Array(n).map((_, i) => (i * 37) & 0xff);
      el.metadata = { operator_name: "Alice", operator_id: "op-1", date: "2025-04-24T14:34:19Z", language: "ru-RU" };
      return el.setFile(new File([h, pcm], "long-call.wav", { type: "audio/wav" }));
    }, w("speechsense-audio"));
    // What the polite live region says, from the start of the upload.
    await page.evaluate((sel) => {
      const live = document.querySelector(sel).shadowRoot.getElementById("live");
      window.__said = [];
      new MutationObserver(() => window.__said.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
    }, w("speechsense-audio"));
    const progressed = page.evaluate((sel) => new Promise((r) => {
      const el = document.querySelector(sel);
      el.addEventListener("tu-progress", function on(e) {
        if (e.detail.phase === "sending" && e.detail.percent >= 31) { el.removeEventListener("tu-progress", on); r(e.detail); }
      });
    }), w("speechsense-audio"));
    await page.click(`${w("speechsense-audio")} #u`);
    const p = await progressed;
    await page.screenshot({ path: shot("uploading"), fullPage: true });
    const status = await page.locator(`${w("speechsense-audio")} #st`).textContent();
    assert.match(status, /^Sending: [\d.]+ MiB of 24\.0 MiB \(\d+ %\) · [\d.]+ (KiB|MiB)\/s, \d+:\d\d left$/, status);
    assert.ok(p.loaded < p.total, "the upload was over before it could be cancelled");
    await page.click(`${w("speechsense-audio")} #x`);
    const text = await waitResult("speechsense-audio");
    assert.match(text, /^Upload cancelled\. Nothing was stored\./, text);
    assert.match(text, /\(aborted\)/);
    // The live region announced whole tens of percent only, then the outcome.
    const said = await page.evaluate(() => window.__said);
    assert.deepEqual(said.slice(0, 3), ["Uploaded 10 %", "Uploaded 20 %", "Uploaded 30 %"], JSON.stringify(said));
    assert.match(said.at(-1), /^Upload cancelled/);
    for (const t of said.slice(0, -1)) assert.match(t, /^Uploaded [1-9]0 %$/, JSON.stringify(said));
  } finally {
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await api("/api/talks")).length, before, "a cancelled upload was stored");
});

test("Russian strings: one property translates the widget", async () => {
  await page.selectOption("#lang", "ru");
  await page.click("#tab-speechsense-chat");
  assert.equal(await page.locator(`${w("speechsense-chat")} #u`).textContent(), "Загрузить");
  assert.equal(await page.locator(`${w("speechsense-chat")} #t`).textContent(), "Чат SpeechSense");
  await page.click(`${w("speechsense-chat")} #c`);
  assert.match(await waitChecked("speechsense-chat"), /^(Все проверки пройдены|Проблем)/);
  await page.screenshot({ path: shot("russian"), fullPage: true });
  await page.selectOption("#lang", "en");
});

test("axe-core finds no accessibility violations in the widgets", async () => {
  const require = createRequire(import.meta.url);
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  for (const t of [...TARGETS, "convert"]) {
    await page.click(`#tab-${t}`);
    const res = await page.evaluate(async (sel) => {
      const r = await window.axe.run(sel, { resultTypes: ["violations"] });
      return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    }, t === "convert" ? "#panel-convert" : w(t));
    assert.deepEqual(res, [], `${t}: axe violations`);
  }
});

test("through the gateway, the page holds a ticket and never the API key", { skip: !viaGateway }, async () => {
  assert.equal(await page.inputValue("#api-key"), "");
  assert.ok(await page.isDisabled("#api-key"));
  const uploads = pageRequests.filter((r) => /TalkService|\/vela\/|\/s3\/presign/.test(r.url));
  assert.ok(uploads.length >= 5, `uploads seen: ${uploads.map((r) => r.url).join(", ")}`);
  for (const r of pageRequests) {
    assert.ok(!JSON.stringify(r).includes(apiKey), `${r.url} carried the API key`);
  }
  for (const r of uploads) {
    assert.ok(!r.url.startsWith(base), `${r.url} went to the devserver, not the gateway`);
    if (r.headers.authorization) assert.match(r.headers.authorization, /^Bearer ey/);
  }
});

test("no flow tripped the CSP or logged an error, and the CSP really is enforced", async () => {
  assert.deepEqual(consoleErrors, [], "console errors during the flows");
  assert.deepEqual(violations, [], "CSP violations during the flows");
  // A control, so that the listener above cannot pass by hearing nothing: an origin outside
  // connect-src is refused, and reported.
  const outcome = await page.evaluate(() => fetch("http://127.0.0.1:9/").then(() => "fetched", (e) => e.name));
  assert.equal(outcome, "TypeError");
  for (let i = 0; i < 50 && violations.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(violations.length, 1, `expected one reported violation, got ${JSON.stringify(violations)}`);
  assert.match(violations[0], /connect-src blocked http:\/\/127\.0\.0\.1:9/);
});
