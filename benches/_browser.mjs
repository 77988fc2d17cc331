// Shared helpers for the browser benchmarks (not a bench itself: the runner only picks *.bench.mjs).
//
// The page is www/bench/index.html, served by the devserver itself: a document answered by
// Playwright's routing has no address, and Chromium's Local Network Access checks then refuse
// its requests to the S3 port. Generated inputs (large chats, the compiled ajv module) are
// answered by Playwright's routing under `${BENCH_DEVSERVER}/__bench/`, and the package
// (`/pkg/talk_uploader.js` and its .wasm) comes from the devserver for real. So the page is
// same-origin with the grpc-web endpoint and imports the package exactly as a site would.
import { launchChromium } from "../tests/support/browser.mjs";

export { CHROMIUM_ARGS, CHROMIUM_PATH } from "../tests/support/browser.mjs";

export function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set: run the benchmarks through \`npm run bench\` (scripts/bench.sh)`);
    process.exit(2);
  }
  return v.replace(/\/+$/, "");
}

/**
 * Launches Chromium (the system one, never a downloaded browser) and opens a blank page on the
 * devserver's origin. `files` maps a path under /__bench/ to { body, contentType }.
 * Returns { browser, page, close }. `close` is idempotent and also runs on SIGINT/SIGTERM.
 */
export async function openBenchPage(base, files = {}, { extraArgs = [] } = {}) {
  const browser = await launchChromium({ args: extraArgs });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await browser.close().catch(() => {});
  };
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => { close().finally(() => process.exit(130)); });
  }
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") console.error(`[page console] ${m.text()}`); });
    await page.route(`${base}/__bench/**`, (route) => {
      const name = new URL(route.request().url()).pathname.replace(/^\/__bench\//, "");
      const f = files[name];
      if (!f) return route.fulfill({ status: 404, body: "not found" });
      return route.fulfill({ status: 200, body: f.body, contentType: f.contentType, headers: { "cache-control": "no-store" } });
    });
    const nav = await page.goto(`${base}/bench/index.html`);
    if (!nav?.ok()) throw new Error(`the devserver did not serve www/bench/index.html (HTTP ${nav?.status()}); is it started with --www-dir www?`);
    return { browser, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Prints rows (arrays of cells) as a left/right-aligned table; the first row is the header. */
export function table(rows, { right = [] } = {}) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (right.includes(i) ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  ").trimEnd();
  console.log(line(rows[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
}

export const MiB = 1024 * 1024;
export const fmtMiB = (bytes) => (bytes / MiB).toFixed(1);
