// Packaging: `npm pack` the package and install the tarball into fresh projects by name, then use
// it as users do: from Node, from a strict TypeScript consumer, and bundled by Vite into a page
// that runs in headless Chromium. Both entries: talk-uploader and talk-uploader/validate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../support/browser.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir;
let tarball;
let shipped;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "talk-uploader-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const [info] = JSON.parse(out);
  tarball = join(dir, info.filename);
  shipped = info.files.map((f) => f.path).sort();
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** A new project under `dir` with the tarball installed as node_modules/talk-uploader. */
function app(name) {
  const home = join(dir, name);
  const target = join(home, "node_modules", "talk-uploader");
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  writeFileSync(join(home, "package.json"), JSON.stringify({ name, type: "module", private: true }));
  return home;
}

test("the tarball ships pkg/ and nothing else of the repository", () => {
  assert.deepEqual(shipped.filter((f) => f.startsWith("pkg/")), [
    "pkg/blob-input.d.ts", "pkg/blob-input.js", "pkg/guard.js", "pkg/index.d.ts", "pkg/index.js", "pkg/inflate.js", "pkg/natives.js",
    "pkg/talk_uploader.d.ts", "pkg/talk_uploader.js", "pkg/talk_uploader_bg.wasm", "pkg/talk_uploader_bg.wasm.d.ts",
    "pkg/upload-error.js",
    "pkg/validate/blob-input.d.ts", "pkg/validate/blob-input.js", "pkg/validate/guard.js", "pkg/validate/index.d.ts",
    "pkg/validate/index.js", "pkg/validate/natives.js", "pkg/validate/talk_uploader_validate.d.ts", "pkg/validate/talk_uploader_validate.js",
    "pkg/validate/talk_uploader_validate_bg.wasm", "pkg/validate/talk_uploader_validate_bg.wasm.d.ts",
    "pkg/validate/upload-error.js", "pkg/validate/validate-worker.js", "pkg/validate/validator.js",
    "pkg/validator.js",
    "pkg/widget/index.d.ts", "pkg/widget/index.js", "pkg/widget/ru.d.ts", "pkg/widget/ru.js",
    "pkg/widget/strings.js", "pkg/widget/style.js", "pkg/widget/widget.css", "pkg/xhr.js",
  ]);
  assert.deepEqual(shipped.filter((f) => !f.startsWith("pkg/")).sort(), ["README.md", "package.json"]);
});

test("installed by name, it works from Node", () => {
  const home = app("node-app");
  writeFileSync(join(home, "main.mjs"), `
    import { readFileSync } from "node:fs";
    import { createRequire } from "node:module";
    import { initSync, validate, version, UploadError } from "talk-uploader";
    const require = createRequire(import.meta.url);
    initSync({ module: readFileSync(require.resolve("talk-uploader/talk_uploader_bg.wasm")) });
    const r = validate('{"messages": []}', { kind: "speechsense-chat" });
    let ok = false;
    try { validate("{}", { kind: "nope" }); } catch (e) { ok = e instanceof UploadError; }
    console.log(JSON.stringify({ version: version(), ok: r.ok, codes: r.errors.map((e) => e.code), instanceOk: ok }));
  `);
  const res = JSON.parse(execFileSync("node", ["main.mjs"], { cwd: home, encoding: "utf8" }));
  assert.equal(res.version, JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  assert.equal(res.ok, false);
  assert.deepEqual(res.codes, ["empty_array"]);
  assert.equal(res.instanceOk, true);
});

test("talk-uploader/validate works from Node with initSync, and has no upload API", () => {
  const home = app("node-validate-app");
  writeFileSync(join(home, "main.mjs"), `
    import { readFileSync } from "node:fs";
    import { createRequire } from "node:module";
    import * as v from "talk-uploader/validate";
    const require = createRequire(import.meta.url);
    v.initSync({ module: readFileSync(require.resolve("talk-uploader/validate/talk_uploader_validate_bg.wasm")) });
    const r = v.validate('{"messages": []}', { kind: "speechsense-chat" });
    const c = v.convertChat(new TextEncoder().encode('{"org_id":"o","session_id":"s","messages":[]}'), { from: "vela", to: "labelbox" });
    let code = null, instanceOk = false;
    try { v.validate("{}", { kind: "nope" }); } catch (e) { code = e.code; instanceOk = e instanceof v.UploadError && v.isUploadError(e); }
    let sniff = null;
    try { await v.sniffAudio(new Blob([new Uint8Array(64)])); } catch (e) { sniff = e.code; }
    console.log(JSON.stringify({
      version: v.version(), report: r, convertOk: typeof c.ok, code, instanceOk, sniff,
      exports: Object.keys(v).sort(),
    }));
  `);
  const res = JSON.parse(execFileSync("node", ["main.mjs"], { cwd: home, encoding: "utf8" }));
  assert.equal(res.version, JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  // The same report, key for key, as the main entry gives.
  assert.equal(JSON.stringify(res.report), JSON.stringify({
    ok: false,
    errors: [{ code: "empty_array", message: res.report.errors[0].message, path: "/messages", line: 1, column: 14 }],
    warnings: [],
    stats: res.report.stats,
    truncated: false,
  }));
  assert.equal(res.convertOk, "boolean");
  assert.equal(res.code, "invalid_options");
  assert.equal(res.instanceOk, true);
  assert.equal(typeof res.sniff, "string");
  assert.deepEqual(res.exports, [
    "UploadError", "convertChat", "createValidator", "default", "initSync", "isPoisoned", "isUploadError", "sniffAudio", "validate", "version",
  ]);
});

test("its types resolve by name for a strict TypeScript consumer", () => {
  const home = app("ts-app");
  writeFileSync(join(home, "consumer.ts"), `
    import init, { validate, uploadAudio, UploadError, type ValidationReport, type UploadAudioResult } from "talk-uploader";
    export async function go(file: File): Promise<string> {
      await init();
      const r: ValidationReport = validate("{}", { kind: "vela-chat" });
      if (!r.ok) return r.errors[0].path;
      try {
        const res: UploadAudioResult = await uploadAudio(file, {}, { endpoint: "https://x", apiKey: "k", connectionId: "c" });
        return res.talkId;
      } catch (e) {
        return e instanceof UploadError ? e.code : "other";
      }
    }
    export async function check(file: File): Promise<boolean> {
      const v = await import("talk-uploader/validate");
      await v.default();
      const r: ValidationReport = v.validate("{}", { kind: "vela-chat" });
      const fromFile: ValidationReport = await v.validate(file, { kind: "vela-chat" });
      const info: import("talk-uploader/validate").AudioInfo = await v.sniffAudio(file);
      return r.ok && fromFile.ok && info.channels > 0;
    }
  `);
  writeFileSync(join(home, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ESNext", "DOM"], skipLibCheck: false },
    files: ["consumer.ts"],
  }));
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", home], { encoding: "utf8" });
});

test("bundled by Vite, the page loads the wasm and validates in Chromium", async () => {
  const home = app("vite-app");
  writeFileSync(join(home, "index.html"), `<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>`);
  writeFileSync(join(home, "main.js"), `
    import init, { validate, version } from "talk-uploader";
    import initValidate, { validate as validateOnly, convertChat } from "talk-uploader/validate";
    await init();
    await initValidate();
    const doc = '{"type": "application/vnd.labelbox.conversational", "version": 1, "messages": []}';
    const r = validate(doc, { kind: "labelbox-conversation" });
    const v = validateOnly(doc, { kind: "labelbox-conversation" });
    const c = convertChat('{"org_id":"o","session_id":"s","messages":[]}', { from: "vela", to: "labelbox" });
    document.body.dataset.result = JSON.stringify({
      version: version(), ok: r.ok, codes: r.errors.map((e) => e.code),
      same: JSON.stringify(r) === JSON.stringify(v), convert: typeof c.output,
    });
  `);
  execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--logLevel", "error"], { cwd: home, encoding: "utf8" });
  const dist = join(home, "dist");
  const assets = readdirSync(join(dist, "assets"));
  // Both modules: the main entry's and talk-uploader/validate's.
  assert.equal(assets.filter((f) => f.endsWith(".wasm")).length, 2, `Vite should emit two .wasm files: ${assets}`);
  assert.ok(assets.some((f) => f.startsWith("talk_uploader_validate_bg") && f.endsWith(".wasm")), `${assets}`);

  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const path = normalize(join(dist, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    if (!file.startsWith(dist) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.result, null, { timeout: 20_000 });
    const result = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    assert.deepEqual(errors, []);
    assert.equal(result.ok, false);
    assert.deepEqual(result.codes, ["empty_array"]);
    assert.equal(result.same, true, "both entries give the same report");
    assert.equal(result.convert, "string");
  } finally {
    await browser.close();
    server.close();
  }
});
