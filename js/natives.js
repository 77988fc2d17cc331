// The platform's native accessors for src/bindings/js.rs and src/bindings/error.rs, looked up
// once when the module loads (wasm-bindgen ships this file as a snippet next to the glue).
// Each one brand-checks its receiver the way XHR and FormData read a value, through its internal
// slots: a Proxy posing as a Blob, a look-alike object or an own getter fails the check instead of
// being half-used. Every function that can throw is imported with `catch`, so nothing thrown here
// crosses a wasm frame. Plain JS: a few lines here replace the Reflect walk in wasm (issue 9).

const getter = (proto, key) => {
  try {
    const d = proto && Object.getOwnPropertyDescriptor(proto, key);
    return d && typeof d.get === "function" ? d.get : undefined;
  } catch {
    return undefined;
  }
};
const blob = typeof Blob === "function" ? Blob.prototype : undefined;
const typed = Object.getPrototypeOf(Uint8Array.prototype);
const size = getter(blob, "size");
const slice = blob && blob.slice;
const length = getter(typed, "length");
const tag = getter(typed, Symbol.toStringTag);
const signal = typeof AbortSignal === "function" ? AbortSignal : undefined;
const any = signal && typeof signal.any === "function" ? signal.any : undefined;

// `UploadError.prototype` of this module: an object whose prototype is `Error.prototype` and
// whose `name` is "UploadError". js/guard.js gives it its `constructor`.
const proto = Object.create(Error.prototype);
proto.name = "UploadError";

/** A real Blob's (or File's) size; throws for anything else. */
export function blobSize(value) {
  return size.call(value);
}

/** Bytes [start, end) of a real Blob as a fresh native Blob (whatever the blob's own slice does). */
export function blobSlice(value, start, end) {
  return slice.call(value, start, end);
}

/** Whether `value` is a Uint8Array of any realm (the native tag getter reads the internal type). */
export function isU8(value) {
  return tag ? tag.call(value) === "Uint8Array" : value instanceof Uint8Array;
}

/** A typed array's real length (the native getter); throws for anything else. */
export function u8Length(value) {
  return length.call(value);
}

/** A signal of our own that follows `value` (AbortSignal.any), or undefined where that is missing. */
export function followSignal(value) {
  return any ? any.call(signal, [value]) : undefined;
}

/** A native Error with the message and this module's UploadError prototype. */
export function uploadError(message) {
  const e = new Error(message);
  Object.setPrototypeOf(e, proto);
  return e;
}

/** Whether `value` has this module's UploadError prototype on its chain. */
export function isUploadError(value) {
  return typeof value === "object" && value !== null && proto.isPrototypeOf(value);
}

/** This module's UploadError prototype. */
export function uploadErrorPrototype() {
  return proto;
}


// A JS string as UTF-8 (src/bindings/js.rs, utf8: `validate`'s input and every string option): TextEncoder.encodeInto
// straight into wasm memory, from UTF-16 unit `from` on. One import for what took five (the
// constructor, encodeInto, `read`, `written` and String.prototype.slice).
const encoder = new TextEncoder();
let written = 0;

/** Encodes `s` from unit `from` into `dest` (a view of wasm memory); returns the units read. */
export function encodeInto(s, from, dest) {
  const r = encoder.encodeInto(from === 0 ? s : s.slice(from), dest);
  written = r.written;
  return r.read;
}

/** The bytes the last encodeInto wrote. */
export function encodedBytes() {
  return written;
}

/** `value` if it is a number, else NaN. */
export function num(value) {
  return typeof value === "number" ? value : NaN;
}
