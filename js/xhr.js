// One XMLHttpRequest for src/web/xhr.rs (the browser's HttpStack): its listeners, the caller's
// AbortSignal and the stall timer live here, in JS, and the module polls a small state object.
// wasm-bindgen ships this file next to the glue (js/make-entry.mjs). Every function is imported
// with `catch`: nothing thrown here crosses a wasm frame, and what `xhrStart` throws is a short
// reason that the module turns into its own message (the browser's exceptions quote the URL and
// header values, which may hold secrets).
//
// XHR rather than fetch: only XHR reports upload progress in every browser, and a Blob body is
// streamed from disk by the browser itself. The global XMLHttpRequest is used, so this works in
// dedicated workers as well as in windows.

const LOAD = 1;
const ERROR = 2;
const ABORT = 3;

/**
 * Opens and sends one request. `headers` is [name, value, name, value, ...]; `body` a Blob,
 * FormData or string; `stallMs` 0 for no stall timer; `signal` our own AbortSignal or undefined.
 * Throws "ctor", "url", a header's index (a number), "upload" or "send" when it cannot start.
 */
export function xhrStart(method, url, headers, body, stallMs, signal) {
  let xhr;
  try {
    xhr = new XMLHttpRequest();
  } catch {
    throw "ctor";
  }
  try {
    xhr.open(method, url, true);
  } catch {
    throw "url";
  }
  xhr.responseType = "arraybuffer";
  for (let i = 0; i + 1 < headers.length; i += 2) {
    try {
      xhr.setRequestHeader(headers[i], headers[i + 1]);
    } catch {
      throw i / 2;
    }
  }
  // end: 0 while running, then LOAD, ERROR or ABORT (the first one wins). loaded: the latest
  // upload progress not yet taken (-1: none).
  const h = { xhr, upload: null, dirty: false, end: 0, loaded: -1, total: 0, bodySent: false, stalled: false, userAborted: false, last: Date.now(), wake: null, timer: 0, signal, onAbort: null };
  const finish = (end) => {
    if (!h.end) h.end = end;
    wake(h);
  };
  const bodySent = () => {
    if (!h.bodySent) {
      h.bodySent = true;
      wake(h);
    }
  };
  xhr.onload = () => finish(LOAD);
  xhr.onerror = () => finish(ERROR);
  xhr.onabort = () => finish(ABORT);
  xhr.onprogress = () => {
    h.last = Date.now();
  };
  const upload = xhr.upload;
  if (!upload) {
    xhrDrop(h);
    throw "upload";
  }
  h.upload = upload;
  upload.onprogress = (e) => {
    h.last = Date.now();
    h.loaded = e.loaded;
    h.total = e.total;
    wake(h);
    // Every byte is out. Chromium fires `upload.onload` right after this, but Firefox only once
    // the response starts: a connection lost in between would otherwise count as "still
    // sending", and an upload the server may already have stored would be retried (a duplicate).
    if (e.lengthComputable && e.total > 0 && e.loaded >= e.total) bodySent();
  };
  upload.onload = () => {
    h.last = Date.now();
    bodySent();
  };
  if (signal) {
    h.onAbort = () => {
      h.userAborted = true;
      xhr.abort();
      finish(ABORT);
    };
    signal.addEventListener("abort", h.onAbort);
  }
  if (stallMs > 0) {
    const every = Math.min(Math.max(stallMs / 4, 10), 1000);
    h.timer = setInterval(() => {
      if (!h.end && Date.now() - h.last > stallMs) {
        h.stalled = true;
        xhr.abort();
        finish(ABORT);
      }
    }, every);
  }
  try {
    xhr.send(body);
  } catch {
    xhrDrop(h);
    throw "send";
  }
  return h;
}

// An event while nobody waits (the module is passing progress on, and the caller's onProgress
// aborted, say) marks the state dirty, so that the next wait does not sleep through it.
function wake(h) {
  const w = h.wake;
  h.wake = null;
  if (w) w();
  else h.dirty = true;
}

/** A promise that settles at the request's next event (progress, body sent, end), or at once
 * when one happened since the last `xhrTake`. */
export function xhrWait(h) {
  return new Promise((resolve) => {
    if (h.dirty || h.end) resolve();
    else h.wake = resolve;
  });
}

/**
 * What happened since the last call: [end, loaded, total, bodySent, stalled, userAborted], with
 * loaded -1 when no progress is new.
 */
export function xhrTake(h) {
  const loaded = h.loaded;
  h.loaded = -1;
  h.dirty = false;
  return [h.end, loaded, h.total, h.bodySent, h.stalled, h.userAborted];
}

/** The answer: [status, all response headers as text, the body's ArrayBuffer or null]. */
export function xhrResponse(h) {
  const xhr = h.xhr;
  return [xhr.status, xhr.getAllResponseHeaders(), xhr.response instanceof ArrayBuffer ? xhr.response : null];
}

/** Aborts a request still in flight and detaches every listener and timer. */
export function xhrDrop(h) {
  const xhr = h.xhr;
  if (!h.end) {
    h.end = ABORT;
    xhr.abort();
  }
  // No callback may run for a request the module has let go of.
  xhr.onload = xhr.onerror = xhr.onabort = xhr.onprogress = null;
  if (h.upload) h.upload.onprogress = h.upload.onload = null;
  if (h.timer) clearInterval(h.timer);
  if (h.onAbort) h.signal.removeEventListener("abort", h.onAbort);
  // A wait still pending settles, so that nothing waits on a request that is gone.
  wake(h);
}

/** Resolves true after `ms`, or false as soon as `signal` (ours, or undefined) aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal && signal.aborted) return resolve(false);
    const done = (v) => {
      clearTimeout(id);
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const onAbort = () => done(false);
    const id = setTimeout(() => done(true), ms);
    if (signal) signal.addEventListener("abort", onAbort);
  });
}

/**
 * Settles as `promise` (a native promise of ours) does, fulfilled as [value], or fulfills with []
 * as soon as `signal` aborts (at once if it has): what was awaited is then let go.
 */
export function abortable(promise, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve([]);
    const onAbort = () => resolve([]);
    signal.addEventListener("abort", onAbort);
    const off = () => signal.removeEventListener("abort", onAbort);
    promise.then(
      (v) => {
        off();
        resolve([v]);
      },
      (e) => {
        off();
        reject(e);
      },
    );
  });
}
