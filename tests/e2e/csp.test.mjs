// End to end: the CSP test page (www/test/csp.html), served by the devserver with the demo's
// Content-Security-Policy, runs every package call (validate, sniffAudio, uploadAudio with each
// method, uploadText, uploadVelaCall through the presigned S3 POST, uploadVelaChat, a refusal).
// Each must work as without a CSP, byte-exact, and no securitypolicyviolation may be reported.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "../support/browser.mjs";

const base = process.env.TALK_UPLOADER_DEVSERVER_URL;
const apiKey = process.env.TALK_UPLOADER_TEST_API_KEY;
let browser, page, csp;
const violations = [];
const cspConsole = [];

before(async () => {
  assert.ok(base && apiKey, "run through npm test: TALK_UPLOADER_DEVSERVER_URL / _TEST_API_KEY missing");
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  page.on("console", (m) => {
    const t = m.text();
    if (t.startsWith("CSP violation:")) violations.push(t);
    else if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(t)) cspConsole.push(t);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  const nav = await page.goto(`${base}/test/csp.html`);
  assert.equal(nav.status(), 200, "the devserver serves www/test/csp.html");
  csp = nav.headers()["content-security-policy"] ?? "";
  await page.waitForFunction(() => document.title.startsWith("ready "));
});

after(async () => {
  await browser?.close();
});

async function api(path) {
  const r = await fetch(`${base}${path}`);
  assert.equal(r.status, 200, path);
  return r.json();
}

test("the test page is served with the strict CSP", () => {
  assert.match(csp, /(^|;)\s*script-src 'self' 'wasm-unsafe-eval'\s*(;|$)/, csp);
  const tokens = csp.split(/[\s;]+/);
  assert.ok(!tokens.includes("'unsafe-eval'") && !tokens.includes("'unsafe-inline'"), csp);
});

test("every package call works under the CSP, byte-exact, with no violation", async () => {
  const r = await page.evaluate((s) => window.runAll(s),
    { apiKey, chatConnection: "test-chat", audioConnection: "test-audio-1", orgId: "csp-org" });
  const failed = Object.entries(r).filter(([, v]) => v.ok === false);
  assert.deepEqual(failed, [], JSON.stringify(r, null, 2));
  assert.deepEqual(r.validate.value, { ok: true, badOk: false, badLine: 1 });
  assert.equal(r.sniffAudio.value, 16000);
  for (const method of ["upload", "uploadAsStream", "uploadBadge"]) {
    const talk = await api(`/api/talks/${r[`uploadAudio:${method}`].value}`);
    assert.equal(talk.audio.bytes, r.wav.bytes, method);
    assert.equal(talk.audio.sha256, r.wav.sha256, method);
  }
  const text = await api(`/api/talks/${r.uploadText.value}`);
  assert.equal(text.messages.length, 2);
  const object = await api(`/api/objects/${r.uploadVelaCall.value}`);
  assert.equal(object.sha256, r.wav.sha256);
  assert.ok(r.uploadVelaChat.value, "a chat id");
  assert.equal(r.refused.value, "unauthenticated");
  assert.deepEqual(violations, []);
  assert.deepEqual(cspConsole, []);
});
