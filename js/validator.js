// createValidator(): the validation module in a dedicated Worker, so that checking a large chat
// never blocks the page. The worker loads the package itself (validate-worker.js and its wasm);
// a Blob is posted as a handle (structured clone shares its bytes), so the page never reads it.
import { uploadError } from "./upload-error.js";

/**
 * Returns `{ validate, convertChat, terminate }`: the same reports as the entry's functions,
 * as Promises. `options.worker` takes a Worker you made (e.g. with your bundler's `?worker`).
 */
export function createValidator(options = {}) {
  // This exact `new Worker(new URL(..., import.meta.url), { type: "module" })` is what Vite,
  // webpack 5, Rollup plugins and esbuild plugins recognise and bundle as a worker entry.
  // The worker runs talk-uploader/validate (pkg/validate/), the small module without the upload
  // engine, not the main one. make-entry.mjs points the validate entry's own copy at its sibling.
  const worker = options.worker ?? new Worker(new URL("./validate/validate-worker.js", import.meta.url), { type: "module" });
  const pending = new Map();
  let next = 0;
  let dead = null;
  const failAll = (e) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.error) p.reject(Object.assign(uploadError(data.error.code || "internal", data.error.message), data.error.extra));
    else p.resolve(data.value);
  };
  worker.onerror = (ev) => {
    ev.preventDefault?.();
    failAll(uploadError("worker_failed", `the validation worker failed to start or crashed${ev.message ? ` (${ev.message})` : ""}: check that the bundler emitted validate-worker.js and its .wasm`));
  };
  const call = (op) => (input, opts) => new Promise((resolve, reject) => {
    if (dead) { reject(dead); return; }
    const id = ++next;
    pending.set(id, { resolve, reject });
    try {
      worker.postMessage({ id, op, input, options: opts });
    } catch (cause) {
      pending.delete(id);
      reject(uploadError("invalid_options", `${op}: the input or options cannot be sent to a worker (${cause && cause.name}); pass a string, Uint8Array, Blob and plain data`, cause));
    }
  });
  return {
    validate: call("validate"),
    convertChat: call("convertChat"),
    /** Stops the worker; calls still waiting reject with `aborted`. */
    terminate() {
      worker.terminate();
      failAll(uploadError("aborted", "the validator was terminated"));
    },
  };
}
