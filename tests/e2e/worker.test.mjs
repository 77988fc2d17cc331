// End to end: createValidator() runs validation in a dedicated Worker (www/test/worker.html,
// served by the devserver under the demo's CSP). A 20 MB SpeechSense chat, given as a Blob, is
// validated through it while a PerformanceObserver watches the page's main thread: no task may
// last longer than 50 ms, because the design keeps the work off that thread (this is a property
// of where the work runs, not a speed figure). The figures are printed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "../support/browser.mjs";

const base = process.env.TALK_UPLOADER_DEVSERVER_URL;
let browser, page;
const errors = [];

before(async () => {
  assert.ok(base, "run through npm test: TALK_UPLOADER_DEVSERVER_URL missing");
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(`${base}/test/worker.html`);
  await page.waitForFunction(() => document.title === "ready");
});

after(async () => { await browser?.close(); });

test("a 20 MB chat validated through createValidator() blocks the main thread for no task over 50 ms", async () => {
  const r = await page.evaluate(() => window.runWorker(20_000_000));
  console.log(`worker: ${r.bytes} bytes, ${r.messages} messages; main-thread long tasks while validating: ${JSON.stringify(r.longTasks)} (max ${Math.max(0, ...r.longTasks).toFixed(0)} ms)`);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.stats.bytes, r.bytes, "the worker validated the whole file");
  assert.equal(r.stats.items, r.messages);
  assert.deepEqual(r.longTasks.filter((d) => d > 50), [], "a main-thread task over 50 ms");
  // The same reports as the entry's own validate: issues with line and column.
  assert.deepEqual(r.bad, [["unknown_user_id", 1, 27], ["invalid_calendar_date", 1, 64]]);
  assert.equal(r.converted.ok, true, JSON.stringify(r.converted));
  assert.equal(r.converted.type, "application/vnd.labelbox.conversational");
  // Bad options reject as they throw on the main thread.
  assert.deepEqual(r.optionsError, { code: "invalid_options", name: "UploadError" });
  assert.deepEqual(errors, []);
});

test("control: the observer sees long tasks, and the same validation on the main thread makes one", async () => {
  const r = await page.evaluate(() => window.runMainThread(20_000_000));
  console.log(`main thread: the same 20 MB validated as bytes on the page: long tasks ${JSON.stringify(r.longTasks.map((d) => Math.round(d)))} ms`);
  assert.equal(r.ok, true);
  assert.equal(r.control.length, 1, `a 120 ms busy loop must show as one long task: ${JSON.stringify(r.control)}`);
  assert.deepEqual(errors, []);
});
