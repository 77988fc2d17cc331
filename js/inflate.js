// The platform's DecompressionStream("deflate-raw") for src/bindings/zip.rs (inspectZip's
// sampled entries): the stream, its writer and reader and their promises live here, in JS; the
// module keeps the sample and its limit. wasm-bindgen ships this file next to the glue
// (js/make-entry.mjs). Every function is imported with `catch`, and every promise of the stream
// is handled here, so a stream that fails (damaged input, a cancel) never leaves a rejection
// unhandled.

// Compressed input goes to the stream in pieces of this size: the stream inflates a piece only
// once the output of the one before is read, so after the sample is full at most one piece's
// output (~1,000 times its size for a zip bomb) is made and never read.
const PIECE = 4096;

const handled = (p) => {
  const q = Promise.resolve(p);
  q.catch(() => {});
  return q;
};

/** A stream and its two sides; throws where the platform has none. */
export function inflateStart() {
  const ds = new DecompressionStream("deflate-raw");
  return { w: ds.writable.getWriter(), r: ds.readable.getReader(), pending: null, ended: false };
}

// The outstanding read (at most one), asked for if there is none.
const nextRead = (h) => (h.pending ||= handled(h.r.read()));

// Takes the answer to the outstanding read into `chunks`; its byte count, 0 at the end.
const take = (h, result, chunks) => {
  h.pending = null;
  if (result.done) {
    h.ended = true;
    return 0;
  }
  chunks.push(result.value);
  return result.value.length;
};

/**
 * Feeds `input` (copied: it is a view of wasm memory) and reads output until `room` bytes came,
 * the stream ended, or every byte the input gives is out. Resolves to the chunks read; rejects
 * when the input is not valid deflate.
 */
export async function inflateFeed(h, input, room) {
  for (let i = 0; i < input.length; i += PIECE) handled(h.w.write(input.slice(i, i + PIECE)));
  // An empty write behind the input: the stream takes it only once every output chunk of the
  // input is read and the next read waits, so when it succeeds the input is all out. When it
  // fails, the stream failed before it was closed: the input is damaged.
  const drained = handled(h.w.write(new Uint8Array(0)));
  const chunks = [];
  let got = 0;
  while (got < room && !h.ended) {
    const read = nextRead(h);
    // The read first: when both have settled, its output is taken before the drain counts.
    const first = await Promise.race([read.then((r) => ({ r })), drained.then(() => null)]);
    if (first === null) break;
    got += take(h, first.r, chunks);
  }
  return chunks;
}

/**
 * No more input: resolves to [ended, chunks] (ended: the stream ended within the input fed).
 * A stream cut short fails at its close, and its reads with it: that is the cut, not damage.
 * Rejects only for Node's late damage (its zlib streams accept writes before inflating them).
 */
export async function inflateFinish(h, room) {
  const chunks = [];
  if (h.ended) return [true, chunks];
  try {
    handled(h.w.close());
  } catch {
    return [false, chunks];
  }
  let got = 0;
  while (got <= room) {
    let result;
    try {
      result = await nextRead(h);
    } catch (e) {
      if (e && e.code === "Z_DATA_ERROR") throw e;
      return [false, chunks];
    }
    got += take(h, result, chunks);
    if (h.ended) return [true, chunks];
  }
  return [false, chunks];
}

/** Stops the stream (its pending writes fail, into handled promises) and frees it. */
export function inflateDrop(h) {
  handled(h.r.cancel());
}
