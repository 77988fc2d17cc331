// Writes the README's figures (between <!-- bench:begin --> and <!-- bench:end -->) from
// bench/results.json: never edit that block by hand. scripts/bench.sh runs this after a full
// run; `node benches/_readme.mjs [results.json] [README.md]` runs it alone.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const resultsPath = process.argv[2] || join(ROOT, "bench", "results.json");
const readmePath = process.argv[3] || join(ROOT, "README.md");
const r = JSON.parse(readFileSync(resultsPath, "utf8"));
if (r.smoke) { console.error(`${resultsPath} is a smoke run's: its figures mean nothing; run npm run bench`); process.exit(1); }

const KB = (b) => (b == null ? "–" : `${(b / 1000).toFixed(1)} kB`);
const MiB = (b) => (b == null ? "–" : b >= 2 ** 30 && b % 2 ** 30 === 0 ? `${b / 2 ** 30} GiB` : `${(b / 1048576).toFixed(1)} MiB`);
// Where ours loses, the table says so in words, not only by a number under 1.
// Within ±5 % a single run cannot tell the two sides apart on this machine: "even".
const xs = (v) => (v == null ? "–" : v < 0.95 ? `${x(v)} (slower)` : v < 1.05 ? `${x(v)} (even)` : x(v));
const x = (v) => (v == null ? "–" : `${v.toFixed(2)}×`);
const row = (cells) => `| ${cells.join(" | ")} |`;
const m = r.machine;
const out = [];
out.push(`Measured by \`npm run bench\` on ${r.date.slice(0, 10)} (${r.date.slice(11, 16)} UTC), ${m.cpu_model}, ${m.cores} cores, ` +
  `${(m.memory_bytes / 2 ** 30).toFixed(0)} GiB, ${m.browsers.chromium?.split(" built")[0] ?? "Chromium"}; a shared machine ` +
  `(load average ${m.load_average_1m_at_start ?? "?"} at the start, ${m.load_average_1m_at_end} at the end), so read the ratios, ` +
  `each measured in the same run against its alternative. Written by \`benches/_readme.mjs\` from \`bench/results.json\` ` +
  `(every key: [bench/README.md](bench/README.md)); do not edit by hand.`);
out.push("");
const s = r.size;
const main = s.total_gzip_bytes;
out.push("**Size** (gzip -9; JS minified by esbuild; ours = JS + .wasm). Each anchor is built from npm in the same run and calls its library's real upload API:");
out.push("");
out.push(row(["bundle", "gzip", "main entry ÷ this"]));
out.push(row(["---", "---:", "---:"]));
out.push(row(["**talk-uploader** main entry (everything)", KB(main), "1.00×"]));
out.push(row(["talk-uploader/validate", s.validate_gzip_bytes == null ? `– (${s.validate_gzip_bytes_reason})` : KB(s.validate_gzip_bytes), "–"]));
out.push(row(["talk-uploader/widget (on top of the main entry)", s.widget_gzip_bytes == null ? `– (${s.widget_gzip_bytes_reason})` : KB(s.widget_gzip_bytes), "–"]));
for (const [name, bytes] of Object.entries(s.anchors)) out.push(row([`${name}${s.anchor_versions ? "" : ""}`, KB(bytes), x(main / bytes)]));
out.push(row([`JS stack: ${s.js_stack_parts.join(" + ")}`, KB(s.js_stack_gzip_bytes), x(main / s.js_stack_gzip_bytes)]));
out.push("");
out.push(main > s.js_stack_gzip_bytes
  ? `We lose on size: the main entry weighs ${x(main / s.js_stack_gzip_bytes)} the JS stack it replaces (which does less: grpc-web and connect-web cannot stream a request from a browser, so that stack sends a talk as one message of at most 128 MB, read whole into memory).` +
    (s.validate_gzip_bytes == null ? "" : ` A page that only checks data loads talk-uploader/validate: ${KB(s.validate_gzip_bytes)}.`)
  : `The main entry weighs less than the JS stack it replaces (${x(main / s.js_stack_gzip_bytes)}).`);
out.push("");
const v = r.validation;
const mb = v.mb_per_s;
out.push(`**Validation** of a ${(v.document_bytes / 1e6).toFixed(0)} MB SpeechSense chat in Chromium, against JSON.parse + a compiled ajv schema of the same rules (median of ${v.runs} runs):`);
out.push("");
out.push(row(["input", "ours MB/s", "JSON.parse + ajv MB/s", "ours ÷ ajv", ""]));
out.push(row(["---", "---:", "---:", "---:", "---"]));
const verdict = (ratio) => (ratio >= 1 ? "faster" : "**slower**: pass a `Uint8Array` or the `File` itself, not a string");
out.push(row(["Uint8Array, valid", mb.ours_bytes, mb.ajv_bytes, x(v.ratio_vs_ajv), verdict(v.ratio_vs_ajv)]));
out.push(row(["Blob (a dropped File), valid", mb.ours_blob, mb.ajv_blob, x(v.blob_ratio_vs_ajv), verdict(v.blob_ratio_vs_ajv)]));
out.push(row(["Uint8Array, ~1 % bad timestamps", mb.ours_invalid_bytes, mb.ajv_invalid_bytes, x(v.invalid_ratio_vs_ajv), verdict(v.invalid_ratio_vs_ajv)]));
out.push(row(["string, valid", mb.ours_string, mb.ajv_string, x(v.string_ratio_vs_ajv), verdict(v.string_ratio_vs_ajv)]));
out.push("");
if (v.string_ratio_vs_ajv < 1) {
  out.push(`We lose on string input: handing a JS string to wasm means re-encoding it to UTF-8 first (\`TextEncoder\` alone runs at ${mb.text_encoder_only_string} MB/s here, against ${mb.json_parse_only_string} MB/s for \`JSON.parse\`). The faster path is the bytes: \`validate(file)\` or \`validate(new Uint8Array(await file.arrayBuffer()))\`.`);
  out.push("");
}
out.push(`In a worker (\`createValidator()\`), the page's longest task while the chat validates: ${v.worker_longest_task_ms == null ? `– (${v.worker_longest_task_ms_reason})` : `${v.worker_longest_task_ms} ms`} (on the main thread: ${v.main_thread_longest_task_ms} ms).`);
out.push("");
const u = r.upload;
out.push(`**Upload** throughput in Chromium to the devserver, ours ÷ a plain XHR of the byte-identical body to the same server (${u.pairs} alternating pairs, median; ${MiB(u.file_bytes)} WAV on OPFS; uploadText: a ${(u.chat_bytes / 1e6).toFixed(1)} MB chat; gateway: UploadBadge through talk-gateway ÷ direct). Above 1 we are faster; within ±5 % it is marked even:`);
out.push("");
out.push(row(["path", "ours MiB/s", "baseline MiB/s", "ratio"]));
out.push(row(["---", "---:", "---:", "---:"]));
for (const [k, label] of [["upload", "uploadAudio, Upload (unary)"], ["uploadAsStream", "uploadAudio, UploadAsStream"], ["uploadBadge", "uploadAudio, UploadBadge"], ["presigned", "presignedUpload (S3 POST)"], ["uploadVelaCall", "uploadVelaCall"], ["uploadText", `uploadText (${(u.chat_bytes / 1e6).toFixed(1)} MB chat)`]]) {
  const t = u.mib_per_s?.[k];
  if (u[`${k}_ratio`] === undefined) continue;
  out.push(row([label, t?.ours ?? "–", t?.plain ?? "–", u[`${k}_ratio`] == null ? `– (${u[`${k}_ratio_reason`]})` : xs(u[`${k}_ratio`])]));
}
const g = u.mib_per_s?.gateway;
out.push(row(["UploadBadge through talk-gateway (vs direct)", g?.through_gateway ?? "–", g?.direct ?? "–", xs(u.gateway_ratio)]));
out.push("");
const me = r.memory;
out.push(`**Memory** during one ${MiB(me.file_bytes)} upload per path (the audio never enters wasm or JS memory; wasm memory after init: ${MiB(me.wasm_initial_bytes)}); talk-gateway's peak RSS over the run: ${MiB(me.gateway_rss_peak_bytes)}:`);
out.push("");
out.push(row(["path", "peak wasm memory", "JS heap growth"]));
out.push(row(["---", "---:", "---:"]));
const ORDER = ["upload", "uploadAsStream", "uploadBadge", "presigned", "uploadVelaCall", "gateway"];
for (const k of ORDER.filter((k) => k in me.wasm_peak_bytes)) {
  const w = me.wasm_peak_bytes[k];
  out.push(row([k, w == null ? `– (${me.wasm_peak_bytes[`${k}_reason`]})` : MiB(w), me.heap_growth_bytes[k] == null ? "–" : MiB(me.heap_growth_bytes[k])]));
}
out.push("");
const st = r.start;
out.push(`**Start**: compile + instantiate ${st.init_ms} ms (median of ${st.init_loads} cold loads; ${st.init_streaming_ms} ms with the fetch${st.validate_init_ms == null ? "" : `; talk-uploader/validate: ${st.validate_init_ms} ms`}); from the \`uploadAudio\` call to the first request byte at the server: ${st.first_byte_ms} ms (a plain XHR send of the same file: ${st.first_byte_baseline_ms} ms).`);

const text = readFileSync(readmePath, "utf8");
const BEGIN = "<!-- bench:begin -->", END = "<!-- bench:end -->";
const a = text.indexOf(BEGIN), b = text.indexOf(END);
if (a < 0 || b < a) { console.error(`${readmePath} has no ${BEGIN} ... ${END} block`); process.exit(1); }
writeFileSync(readmePath, `${text.slice(0, a + BEGIN.length)}\n${out.join("\n")}\n${text.slice(b)}`);
console.log(`wrote the figures block of ${readmePath} from ${resultsPath}`);
