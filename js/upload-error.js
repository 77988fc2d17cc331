// UploadErrors made in JS (a file that cannot be read, a worker that died): the same prototype as
// the module's own, once the module is initialised; before that, an Error named UploadError.
import * as glue from "./talk_uploader.js";

export function uploadError(code, message, cause) {
  const e = cause === undefined ? new Error(message) : new Error(message, { cause });
  let proto = null;
  try { proto = glue.__uploadErrorPrototype(); } catch { /* not initialised in this realm */ }
  if (proto) Object.setPrototypeOf(e, proto);
  else e.name = "UploadError";
  e.code = code;
  return e;
}
