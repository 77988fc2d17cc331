// Drives createValidator() for tests/e2e/worker.test.mjs: a large SpeechSense chat as a Blob,
// validated in the worker while a PerformanceObserver records the main thread's long tasks.
import init, { createValidator, validate } from "/pkg/index.js";

const META = JSON.stringify({ operator_name: "Alice", operator_id: "op-1", client_name: "Bob", client_id: "cl-7", date: "2025-04-24T14:34:19+03:00", language: "ru-RU" });

/**
 * A chat of about `bytes` bytes. Built from one encoded block of 1,000 messages repeated, so that
 * making it leaves next to no garbage: a collection during the measurement would be a long task
 * of the sample, not of the validator.
 */
function chat(bytes) {
  let block = "";
  for (let n = 0; n < 1000; n++) {
    block += `,\n  {"user_id": "${n % 2 ? "op-1" : "cl-7"}", "text": "Message ${n}: my order has not arrived, could you check the delivery status please?", "timestamp": "2025-04-24T14:34:19.000+03:00"}`;
  }
  const enc = new TextEncoder();
  const first = enc.encode(`{"messages": [${block.slice(1)}`), rest = enc.encode(block);
  const parts = [first];
  for (let size = first.length; size < bytes; size += rest.length) parts.push(rest);
  parts.push(enc.encode("\n]}"));
  return { blob: new Blob(parts, { type: "application/json" }), messages: parts.length * 1000 - 1000 };
}

const tasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); }).observe({ type: "longtask" });
const settle = () => new Promise((r) => setTimeout(r, 500));

window.runWorker = async (bytes) => {
  const { blob, messages } = chat(bytes);
  await settle(); // the long tasks of building the sample are not the validator's
  tasks.length = 0;
  const v = createValidator();
  const report = await v.validate(blob, { kind: "speechsense-chat", metadata: META });
  const bad = await v.validate(new Blob(['{"messages": [{"user_id": "nobody", "text": "hi", "timestamp": "2025-02-30T10:00:00Z"}]}']), { kind: "speechsense-chat", metadata: META });
  const converted = await v.convertChat(new Blob(['{"messages": [{"user_id": "cl-7", "text": "hi", "timestamp": "2025-04-24T14:34:19Z"}]}']), { from: "speechsense", to: "labelbox", metadata: META });
  let optionsError = null;
  try { await v.validate("{}", { kind: "nope" }); } catch (e) { optionsError = { code: e.code, name: e.name }; }
  await settle(); // long-task entries are delivered after the task
  const during = [...tasks];
  v.terminate();
  return { bytes: blob.size, messages, ok: report.ok, stats: report.stats, errors: report.errors.length, bad: bad.errors.map((e) => [e.code, e.line, e.column]), converted: { ok: converted.ok, errors: converted.errors, type: converted.ok && JSON.parse(converted.output).type }, optionsError, longTasks: during };
};

// The control: the observer does see a long task (a 120 ms busy loop) and, for the figure, what
// the same validation costs on the main thread.
window.runMainThread = async (bytes) => {
  await init();
  const { blob } = chat(bytes);
  const buf = new Uint8Array(await blob.arrayBuffer());
  await settle();
  tasks.length = 0;
  const t = performance.now();
  while (performance.now() - t < 120) { /* busy */ }
  await settle();
  const control = [...tasks];
  tasks.length = 0;
  const report = validate(buf, { kind: "speechsense-chat", metadata: META });
  await settle();
  return { control, ok: report.ok, longTasks: [...tasks] };
};
document.title = "ready";
