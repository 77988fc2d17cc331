// The worker of createValidator(): loads the package in the worker and answers
// { id, op, input, options } with { id, value } or { id, error }.
import init, { validate, convertChat } from "./index.js";

const ready = init();
const ops = { validate, convertChat };

self.onmessage = async ({ data: { id, op, input, options } }) => {
  try {
    await ready;
    const fn = ops[op];
    if (!fn) throw Object.assign(new Error(`unknown operation ${op}`), { code: "invalid_options" });
    postMessage({ id, value: await fn(input, options) });
  } catch (e) {
    const extra = {};
    for (const k of ["status", "issues"]) if (e && e[k] !== undefined) extra[k] = e[k];
    postMessage({ id, error: { code: e && e.code, message: String(e && e.message || e), extra } });
  }
};
