// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe, for the upload bench.
//
// Why not Playwright there: Playwright always sends `Network.enable`, and Chromium then copies
// every request body into a `Network.requestWillBeSent` event, base64, through the pipe. For a
// 64 MiB upload that is CPU the browser spends on instrumentation instead of uploading (it skews
// the figures); for 256 MiB the event is over node's maximum string length and Playwright dies
// with ERR_STRING_TOO_LONG. This client never enables the Network domain.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../tests/support/browser.mjs";

export async function launchCdp(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), "bench-chromium-"));
  const child = spawn(CHROMIUM_PATH,
    [...CHROMIUM_ARGS, ...extraArgs, "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank"],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  let nextId = 1;
  const pending = new Map();
  const listeners = [];
  let buf = Buffer.alloc(0);
  fromBrowser.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    let end;
    while ((end = buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(buf.subarray(0, end).toString("utf8"));
      buf = buf.subarray(end + 1);
      if (msg.id && pending.has(msg.id)) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) reject(new Error(`CDP: ${msg.error.message}`)); else resolve(msg.result);
      } else if (msg.method) {
        for (const l of listeners) l(msg);
      }
    }
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  exited.then(() => { for (const { reject } of pending.values()) reject(new Error(`chromium exited; its stderr: ${stderr}`)); pending.clear(); });
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null) {
      send("Browser.close").catch(() => {});
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(profile, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => { close().finally(() => process.exit(130)); });

  /**
   * Opens `url` in a new tab (`newContext`: in a fresh browser context); resolves once the
   * document has loaded to { evaluate(fn, arg), define(fns), close() }.
   * `define({ name: fn })` makes each self-contained function a global of the page.
   */
  async function open(url, { newContext = false } = {}) {
    // A new browser context is a cold profile: no HTTP cache, no compiled-code cache.
    const browserContextId = newContext ? (await send("Target.createBrowserContext", { disposeOnDetach: true })).browserContextId : undefined;
    const { targetId } = await send("Target.createTarget", { url, ...(browserContextId ? { browserContextId } : {}) });
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    listeners.push((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === "Runtime.exceptionThrown") console.error(`[page error] ${m.params.exceptionDetails?.exception?.description ?? m.params.exceptionDetails?.text}`);
      if (m.method === "Runtime.consoleAPICalled" && m.params.type === "error") console.error(`[page console] ${m.params.args.map((a) => a.value ?? a.description).join(" ")}`);
    });
    await send("Runtime.enable", {}, sessionId);
    const evalExpr = async (expression) => {
      const r = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value;
    };
    for (let i = 0; ; i++) {
      const state = await evalExpr("document.readyState + ' ' + location.href").catch(() => "");
      if (state.startsWith("complete ") && state.endsWith(url)) break;
      if (i > 300) throw new Error(`${url} did not load in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      close: async () => {
        await send("Target.closeTarget", { targetId }).catch(() => {});
        if (browserContextId) await send("Target.disposeBrowserContext", { browserContextId }).catch(() => {});
      },
      evaluate: (fn, arg) => evalExpr(`(${fn.toString()})(${JSON.stringify(arg)})`),
      define: (fns) => evalExpr(Object.entries(fns).map(([name, fn]) => `globalThis[${JSON.stringify(name)}] = (${fn.toString()});`).join("\n") + " undefined"),
    };
  }
  return { open, close };
}
