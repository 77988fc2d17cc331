// `validate` and `convertChat` also take a Blob or a File: then they are async and check the
// file's bytes (no string round trip: a 21 MB chat validates 2.7x faster as bytes; see
// benches/). The wrapper sits in the package entry (js/make-entry.mjs) around the guarded export.
import { uploadError } from "./upload-error.js";
// The natives' brand-checked `size` getter and `slice` (js/natives.js), not copies of them here.
import { blobSize, blobSlice } from "./natives.js";

const readBlob = typeof Blob === "function" ? Blob.prototype.arrayBuffer : undefined;

/** Whether `v` is a real Blob (any realm): the platform's brand check, never `instanceof`. */
function isBlob(v) {
  try {
    blobSize(v);
    return true;
  } catch {
    return false; // not a Blob (the native getter refuses primitives too), or a Proxy posing as one
  }
}

/** `fn(input, options)` as is, or, for a Blob, a Promise of `fn(bytes, options)`. */
export function blobInput(fn) {
  return function (input, options) {
    if (!isBlob(input)) return fn(input, options);
    return readBlob.call(input).then(
      (buf) => fn(new Uint8Array(buf), options),
      (cause) => { throw uploadError("file_unreadable", `the file could not be read (${cause && cause.name || "error"}): choose it again`, cause); },
    );
  };
}

const UNREADABLE = "the file could not be read; it may have been moved, changed or deleted since it was chosen";

/**
 * `sniffAudio(file, options)`, driving the module's synchronous `__sniffAudioStep`
 * (src/bindings/audio.rs): it names the next byte range it needs, which is read here with the
 * native `slice` and `arrayBuffer` (never the blob's own), until it answers. At most three
 * reads of 64 KiB. Every failure is an UploadError: the step's own (bad options, not audio), or
 * `file_unreadable` when a read fails.
 */
export function sniffInput(step) {
  return async function sniffAudio(file, options) {
    const reads = [];
    for (;;) {
      const r = step(file, options, reads);
      if (!Array.isArray(r)) return r;
      // The options as the step read them: a caller's getters run once.
      options = r[2] === undefined ? undefined : { method: r[2] };
      let buf;
      try {
        buf = await readBlob.call(blobSlice(file, r[0], r[1]));
      } catch (cause) {
        throw uploadError("file_unreadable", UNREADABLE, cause);
      }
      reads.push(buf);
    }
  };
}
