// Packaging: `npm pack` the package, install the tarball into a fresh project by name, and use
// it there as a user would: `import ... from "talk-uploader"` in Node, and its types in tsc.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the packed tarball installs and works by package name, with its types", () => {
  const dir = mkdtempSync(join(tmpdir(), "talk-uploader-pack-"));
  try {
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const [info] = JSON.parse(out);
    const shipped = info.files.map((f) => f.path).sort();
    assert.deepEqual(shipped.filter((f) => f.startsWith("pkg/")), [
      "pkg/talk_uploader.d.ts", "pkg/talk_uploader.js", "pkg/talk_uploader_bg.wasm", "pkg/talk_uploader_bg.wasm.d.ts",
    ]);
    // Nothing else of the repository leaks into the package.
    assert.deepEqual(shipped.filter((f) => !f.startsWith("pkg/")).sort(), ["README.md", "package.json"]);

    // Install by extracting into node_modules, as npm would (no registry, no network).
    const app = join(dir, "app");
    const target = join(app, "node_modules", "talk-uploader");
    mkdirSync(target, { recursive: true });
    execFileSync("tar", ["-xzf", join(dir, info.filename), "-C", target, "--strip-components=1"]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
    writeFileSync(join(app, "main.mjs"), `
      import { readFileSync } from "node:fs";
      import { createRequire } from "node:module";
      import { initSync, validate, version, UploadError } from "talk-uploader";
      const require = createRequire(import.meta.url);
      const wasm = require.resolve("talk-uploader/pkg/talk_uploader_bg.wasm");
      initSync({ module: readFileSync(wasm) });
      const r = validate('{"messages": []}', { kind: "speechsense-chat" });
      let ok = false;
      try { validate("{}", { kind: "nope" }); } catch (e) { ok = e instanceof UploadError; }
      console.log(JSON.stringify({ version: version(), ok: r.ok, codes: r.errors.map((e) => e.code), instanceOk: ok }));
    `);
    const res = JSON.parse(execFileSync("node", ["main.mjs"], { cwd: app, encoding: "utf8" }));
    assert.equal(res.version, JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
    assert.equal(res.ok, false);
    assert.ok(res.codes.length >= 1);
    assert.equal(res.instanceOk, true);

    // The types resolve through package.json "types" for a strict TypeScript consumer.
    writeFileSync(join(app, "consumer.ts"), `
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
    `);
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ESNext", "DOM"], skipLibCheck: false },
      files: ["consumer.ts"],
    }));
    execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", app], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
