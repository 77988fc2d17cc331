// The few pieces of the wasm binary format the build scripts read and write
// (js/short-names.mjs, js/order-functions.mjs): LEB128 numbers, names, import descriptors.

/** The unsigned LEB128 number at `at` in `bytes`, and the position after it: `[value, next]`. */
export function u32At(bytes, at) {
  let r = 0, s = 0, x;
  do {
    x = bytes[at++];
    r += (x & 0x7f) * 2 ** s;
    s += 7;
  } while (x & 0x80);
  return [r, at];
}

/**
 * The sections of a module, in order: `{ id, custom, start, body, end }`, where `start` is the
 * section's id byte, `body` its first content byte, `end` the byte after it, and `custom` a custom
 * section's name (else null).
 */
export function sections(bytes) {
  const out = [];
  for (let p = 8; p < bytes.length; ) {
    const start = p;
    const id = bytes[p++];
    let size;
    [size, p] = u32At(bytes, p);
    let custom = null;
    if (id === 0) {
      const [n, at] = u32At(bytes, p);
      custom = bytes.toString("utf8", at, at + n);
    }
    out.push({ id, custom, start, body: p, end: p + size });
    p += size;
  }
  return out;
}

/** `v` as unsigned LEB128. */
export function leb(v) {
  const out = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

/** `s` as a wasm name: its UTF-8 length, then its bytes. */
export const name = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);

/** The position after the descriptor of an import of `kind` that starts at `at`. */
export function skipImportDesc(bytes, kind, at) {
  const limits = (q) => {
    const flags = bytes[q++];
    q = u32At(bytes, q)[1];
    return flags & 1 ? u32At(bytes, q)[1] : q;
  };
  if (kind === 0) return u32At(bytes, at)[1]; // function: type index
  if (kind === 1) return limits(at + 1); // table: reftype, limits
  if (kind === 2) return limits(at); // memory
  if (kind === 3) return at + 2; // global: valtype, mutability
  if (kind === 4) return u32At(bytes, at + 1)[1]; // tag: attribute, type index
  throw new Error(`unknown import kind ${kind}`);
}
