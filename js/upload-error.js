// UploadErrors made in JS (a file that cannot be read, a worker that died): the same prototype as
// the module's own errors, which js/natives.js makes (no call into wasm, so this works before the
// module is initialised too).
import { uploadErrorPrototype } from "./natives.js";

export function uploadError(code, message, cause) {
  const e = cause === undefined ? new Error(message) : new Error(message, { cause });
  Object.setPrototypeOf(e, uploadErrorPrototype());
  e.code = code;
  return e;
}
