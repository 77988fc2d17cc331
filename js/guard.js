// Panic containment for talk-uploader (see src/bindings/panic.rs): every export of the
// wasm-bindgen glue is called through `guard`. A panic in Rust traps the wasm instance (a
// WebAssembly.RuntimeError), and a trapped instance must not be entered again.
//  - the call that trapped gets an UploadError with code "internal";
//  - async calls in flight get "internal" too: the panic hook tells us before the trap, because
//    an async export traps inside a microtask, where its promise would otherwise never settle;
//  - every later call gets "module_poisoned" without entering wasm.
// No eval, no inline script: this runs under `script-src 'self' 'wasm-unsafe-eval'`.

import { uploadErrorPrototype } from "./natives.js";
import { uploadError } from "./upload-error.js";

const POISONED_MESSAGE =
  "talk-uploader stopped after an internal error in an earlier call; reload the page to re-initialise it";
const INTERNAL_MESSAGE =
  "talk-uploader hit an internal error (a bug: please report it) and stopped; reload the page to re-initialise it";

/**
 * Wraps `glue` (the namespace of talk_uploader.js). `asyncNames` are the exports that return a
 * Promise: when poisoned they reject instead of throwing.
 */
export function guarded(glue, asyncNames) {
  let poisoned = false;
  let proto = null;
  const pending = new Set();
  const isAsync = new Set(asyncNames);

  const isTrap = (e) => typeof WebAssembly === "object" && e instanceof WebAssembly.RuntimeError;
  const poison = (cause) => {
    if (poisoned) return;
    poisoned = true;
    for (const reject of pending) reject(uploadError("internal", INTERNAL_MESSAGE, cause));
    pending.clear();
  };

  // The package's isUploadError: the prototype check in JS, so that it still answers once the
  // instance is poisoned (the module exports none: a call into wasm could not).
  const isUploadError = (v) => {
    try {
      return proto !== null && typeof v === "object" && v !== null && proto.isPrototypeOf(v);
    } catch {
      return false; // a Proxy whose getPrototypeOf trap throws
    }
  };

  // The exported `UploadError` class: wasm-bindgen cannot export a JS class it did not generate,
  // so it is made here. Its errors are made by the module (a native Error whose prototype is
  // `UploadError.prototype` once the module is initialised); `instanceof` is the prototype check
  // above, so it holds for errors of this instance only, and never throws.
  function UploadError() {
    throw new TypeError("UploadError is not constructed by callers: talk-uploader's functions throw and reject with it");
  }
  Object.defineProperty(UploadError, Symbol.hasInstance, { value: isUploadError, configurable: true });

  // Called once the instance exists (after init or initSync), before any user call.
  const setUp = () => {
    if (proto) return;
    proto = uploadErrorPrototype();
    glue.__installPanicGuard((note) => poison(new Error(String(note))));
    UploadError.prototype = proto;
    Object.defineProperty(proto, "constructor", { value: UploadError, writable: true, configurable: true });
  };

  const wrap = (name, f) => {
    const promises = isAsync.has(name);
    return function (...args) {
      if (poisoned) {
        const e = uploadError("module_poisoned", POISONED_MESSAGE);
        if (promises) return Promise.reject(e);
        throw e;
      }
      let result;
      try {
        result = f.apply(this, args);
      } catch (e) {
        if (!isTrap(e)) throw e;
        poison(e);
        const ie = uploadError("internal", INTERNAL_MESSAGE, e);
        if (promises) return Promise.reject(ie);
        throw ie;
      }
      // Any promise is tracked, listed or not, so that a panic elsewhere settles it.
      if (!result || typeof result.then !== "function") return result;
      return new Promise((resolve, reject) => {
        pending.add(reject);
        result.then(
          (v) => {
            pending.delete(reject);
            resolve(v);
          },
          (e) => {
            pending.delete(reject);
            if (isTrap(e)) poison(e);
            reject(isTrap(e) ? uploadError("internal", INTERNAL_MESSAGE, e) : e);
          },
        );
      });
    };
  };

  const fns = {};
  for (const [name, value] of Object.entries(glue)) {
    const isClass = typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
    if (typeof value !== "function" || isClass || name === "default" || name === "initSync") continue;
    fns[name] = wrap(name, value);
  }
  return {
    fns,
    UploadError,
    isUploadError,
    async init(...args) {
      const r = await glue.default(...args);
      setUp();
      return r;
    },
    initSync(...args) {
      const r = glue.initSync(...args);
      setUp();
      return r;
    },
    get poisoned() {
      return poisoned;
    },
  };
}
