// The one place that says how the JS tests and benches start a browser. Both browsers are the
// system's (Debian's Chromium, Firefox ESR); nothing here ever downloads one.
//
// Chromium runs as root on the dev and CI machines, so it needs the flags below (BRIEF.md):
// --no-sandbox (root), --disable-dev-shm-usage (a small /dev/shm in containers), and the
// networking/update/sync flags so that the browser itself sends no requests a test could
// mistake for the page's.
//
// Firefox is driven over WebDriver through geckodriver: playwright-core can only drive its own
// patched Firefox builds, which we never download.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const CHROMIUM_PATH = process.env.CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
];
export const FIREFOX_PATH = process.env.FIREFOX || "/usr/bin/firefox-esr";

/**
 * Headless Chromium through playwright-core. `args` are added to CHROMIUM_ARGS; any other
 * option goes to `chromium.launch` unchanged. Resolves to Playwright's Browser; close it.
 */
export async function launchChromium({ args = [], ...options } = {}) {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, ...options, args: [...CHROMIUM_ARGS, ...args] });
}

/** The absolute path of `cmd` on PATH, or null. */
export function which(cmd) {
  for (const d of (process.env.PATH ?? "").split(":")) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return null;
}

/** A free loopback TCP port (closed again before it is returned). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Headless Firefox ESR through geckodriver (WebDriver classic). Skip a test with
 * `{ skip: !which("geckodriver") && "no geckodriver" }` where it may be missing.
 * Resolves to { goto(url), execute(script, args), executeAsync(script, args),
 * waitFor(script, { timeout }), wd(method, path, body), close() }:
 * - `execute` runs a function body (`return ...`) in the page and resolves to its value;
 * - `executeAsync` gets a callback as its last argument (`arguments[arguments.length - 1]`);
 * - `waitFor` polls `execute(script)` every 100 ms until it returns a truthy value;
 * - `close` ends the session and geckodriver (which ends Firefox); it is idempotent.
 */
export async function launchFirefox({ args = [], prefs = {} } = {}) {
  const geckodriver = which("geckodriver");
  if (!geckodriver) throw new Error("geckodriver is not on PATH (scripts/bootstrap.sh installs it)");
  const port = await freePort();
  const driver = spawn(geckodriver, ["--port", String(port), "--host", "127.0.0.1"], { stdio: "ignore" });
  const exited = new Promise((resolve) => driver.once("exit", resolve));
  const wd = async (method, path, body) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const j = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(j.value ?? j)}`);
    return j.value;
  };
  let session;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (session) await wd("DELETE", `/session/${session}`).catch(() => {});
    if (driver.exitCode === null) {
      driver.kill();
      await exited;
    }
  };
  try {
    for (let i = 0; ; i++) {
      try { await wd("GET", "/status"); break; } catch (e) {
        if (i >= 100 || driver.exitCode !== null) throw new Error(`geckodriver did not start: ${e.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const caps = { capabilities: { alwaysMatch: { browserName: "firefox", "moz:firefoxOptions": { args: ["-headless", ...args], binary: FIREFOX_PATH, prefs } } } };
    session = (await wd("POST", "/session", caps)).sessionId;
  } catch (e) {
    await close();
    throw e;
  }
  const execute = (script, scriptArgs = []) => wd("POST", `/session/${session}/execute/sync`, { script, args: scriptArgs });
  const executeAsync = (script, scriptArgs = []) => wd("POST", `/session/${session}/execute/async`, { script, args: scriptArgs });
  const waitFor = async (script, { timeout = 30_000 } = {}) => {
    for (const end = Date.now() + timeout; ;) {
      const v = await execute(script);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for: ${script}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    wd, execute, executeAsync, waitFor, close,
    goto: (url) => wd("POST", `/session/${session}/url`, { url }),
  };
}
