// bench/results.json: every bench writes its figures as a part (BENCH_OUT/parts/NAME.json);
// `node benches/_results.mjs` (scripts/bench.sh, after the benches) merges the parts with the
// date and the machine into BENCH_OUT/results.json and checks it against
// bench/results.schema.json, so a bench that stops writing a key fails the run, smoke included.
// BENCH_OUT defaults to bench/ (git-ignored but for its README and the schema).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { cpus, totalmem, loadavg, release } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const OUT = process.env.BENCH_OUT || join(ROOT, "bench");
export const SMOKE = process.env.BENCH_SMOKE === "1";

/** Writes this bench's part of results.json (nested objects are merged into the result). */
export function writePart(name, obj) {
  mkdirSync(join(OUT, "parts"), { recursive: true });
  writeFileSync(join(OUT, "parts", `${name}.json`), JSON.stringify(obj, null, 2) + "\n");
}

/** A figure that could not be measured: null, and a `<key>_reason` beside it saying why. */
export const missing = (key, reason) => ({ [key]: null, [`${key}_reason`]: reason });

function deepMerge(a, b) {
  for (const [k, v] of Object.entries(b)) {
    if (v && typeof v === "object" && !Array.isArray(v) && a[k] && typeof a[k] === "object") deepMerge(a[k], v);
    else a[k] = v;
  }
  return a;
}

function run(cmd, args) {
  try { return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return null; }
}

export function machine() {
  const cpuModel = cpus()[0]?.model?.trim() ?? null;
  const chromium = run(process.env.CHROMIUM || "/usr/bin/chromium", ["--version"])?.split("\n")[0] ?? null;
  const firefox = run(process.env.FIREFOX || "/usr/bin/firefox-esr", ["--version"])?.split("\n")[0] ?? null;
  return {
    cpu_model: cpuModel,
    cores: cpus().length,
    memory_bytes: totalmem(),
    os: `Linux ${release()}`,
    node: process.version,
    browsers: { chromium, firefox },
    // The machine is shared: the load average when the run started says how busy it was.
    load_average_1m_at_end: Number(loadavg()[0].toFixed(2)),
    load_average_1m_at_start: process.env.BENCH_LOAD_AT_START ? Number(process.env.BENCH_LOAD_AT_START) : null,
  };
}

export function assemble() {
  const dir = join(OUT, "parts");
  const result = {
    date: new Date().toISOString(),
    smoke: SMOKE,
    wall_time_s: process.env.BENCH_STARTED ? Math.round(Date.now() / 1000 - Number(process.env.BENCH_STARTED)) : null,
    machine: machine(),
  };
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (f.endsWith(".json")) deepMerge(result, JSON.parse(readFileSync(join(dir, f), "utf8")));
  }
  writeFileSync(join(OUT, "results.json"), JSON.stringify(result, null, 2) + "\n");
  return result;
}

/** Checks results.json against bench/results.schema.json; returns a list of problems. */
export async function check(result) {
  const { default: Ajv } = await import("ajv");
  const schema = JSON.parse(readFileSync(join(ROOT, "bench", "results.schema.json"), "utf8"));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validate(result)) return [];
  return validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.missingProperty ? `: ${e.params.missingProperty}` : ""}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = assemble();
  const problems = await check(result);
  if (problems.length) {
    console.error(`${join(OUT, "results.json")} does not match bench/results.schema.json:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`wrote ${join(OUT, "results.json")} (schema-checked)`);
}
