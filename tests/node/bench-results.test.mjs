// The bench's results.json checker (benches/_results.mjs + bench/results.schema.json): the smoke
// run in npm test relies on it to catch a bench that stops writing a key, so it must refuse one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { check } from "../../benches/_results.mjs";

const ANCHORS = ["grpc-web+google-protobuf", "@connectrpc/connect-web+@bufbuild/protobuf", "@uppy/core+@uppy/aws-s3", "ajv", "ajv-standalone", "tus-js-client"];
const MB = ["ours_bytes", "ajv_bytes", "ours_blob", "ajv_blob", "ours_string", "ajv_string", "ours_invalid_bytes", "ajv_invalid_bytes"];
const complete = () => ({
  date: "2026-12-01T12:00:00.000Z",
  machine: { cpu_model: "x", cores: 2, memory_bytes: 1, browsers: { chromium: "Chromium 1", firefox: null } },
  size: {
    total_gzip_bytes: 1, validate_gzip_bytes: 1, widget_gzip_bytes: 1,
    anchors: Object.fromEntries(ANCHORS.map((a) => [a, 1])), js_stack_gzip_bytes: 3, js_stack_parts: ["ajv"],
    anchors_checked_working: ANCHORS.slice(0, 5),
  },
  validation: {
    ratio_vs_ajv: 1, blob_ratio_vs_ajv: 1, invalid_ratio_vs_ajv: 1, string_ratio_vs_ajv: 0.5,
    mb_per_s: Object.fromEntries(MB.map((k) => [k, 1])), worker_longest_task_ms: 1,
  },
  upload: { upload_ratio: 1, uploadAsStream_ratio: 1, uploadBadge_ratio: 1, presigned_ratio: 1, uploadText_ratio: 1, gateway_ratio: 1, pairs: 5 },
  memory: {
    file_bytes: 1,
    wasm_peak_bytes: { upload: null, upload_reason: "unary", uploadAsStream: 1, uploadBadge: 1, presigned: 1, gateway: 1 },
    heap_growth_bytes: { upload: null, upload_reason: "unary", uploadAsStream: 0, uploadBadge: 0, presigned: 0, gateway: 0 },
    gateway_rss_peak_bytes: 1,
  },
  start: { init_ms: 1, first_byte_ms: 1 },
});

test("a complete results document passes", async () => {
  assert.deepEqual(await check(complete()), []);
});

test("a missing key is refused, and named", async () => {
  for (const [path, key] of [[["upload"], "gateway_ratio"], [["size", "anchors"], "tus-js-client"], [["validation"], "worker_longest_task_ms"], [["start"], "first_byte_ms"], [["machine"], "cpu_model"], [["size"], "anchors_checked_working"]]) {
    const r = complete();
    delete path.reduce((o, k) => o[k], r)[key];
    const problems = await check(r);
    assert.ok(problems.some((p) => p.includes(key)), `${path.join(".")}.${key}: ${problems}`);
  }
});

test("null is only accepted with a reason beside it", async () => {
  const r = complete();
  r.size.validate_gzip_bytes = null;
  assert.ok((await check(r)).some((p) => p.includes("validate_gzip_bytes_reason")));
  r.size.validate_gzip_bytes_reason = "this build has no talk-uploader/validate entry";
  assert.deepEqual(await check(r), []);
  delete r.memory.wasm_peak_bytes.upload_reason;
  assert.ok((await check(r)).some((p) => p.includes("upload_reason")));
});

test("a ratio that is not a positive number is refused", async () => {
  const r = complete();
  r.validation.ratio_vs_ajv = 0;
  r.upload.pairs = 0;
  const problems = await check(r);
  assert.ok(problems.some((p) => p.startsWith("/validation/ratio_vs_ajv")), String(problems));
  assert.ok(problems.some((p) => p.startsWith("/upload/pairs")), String(problems));
});
