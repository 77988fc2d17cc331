//! Reading caller-supplied JS values without letting a JS exception cross a wasm frame.
//!
//! A caller's value can run code whenever it is read: a `Proxy` trap, an own getter defined on a
//! `Blob` or a signal, a `toJSON`, an iterator, a `then`. An exception thrown by an import that is
//! not marked `catch` unwinds straight through the wasm frames above it and skips their
//! shadow-stack epilogues; after ~1,600 of them the module is dead (`memory access out of
//! bounds`), and the async call that was running never settles. So every read of a caller value
//! in the bindings goes through this module, whose imports are all `catch` (or `Reflect`, which
//! returns `Result`).
//!
//! Where the platform has a native accessor (a `Blob`'s `size` and `slice`, a typed array's
//! `length`), the native one is called on the value instead of whatever the value itself
//! exposes: XHR, `FormData` and `new Blob([...])` read a `Blob` through its internal slots too,
//! so what is sized and sniffed is what is sent, and a `Proxy` posing as a `Blob` fails the
//! brand check cleanly instead of being half-used.

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob};

use crate::web::blob::{copy_u8, CheckedU8};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(obj: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(value: &JsValue) -> Result<bool, JsValue>;
}

// The native accessors, looked up once in JS (js/natives.js): each brand-checks its receiver.
#[wasm_bindgen(module = "/js/natives.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = blobSize)]
    fn native_blob_size(value: &JsValue) -> Result<f64, JsValue>;
    #[wasm_bindgen(catch, js_name = blobSlice)]
    fn native_blob_slice(value: &Blob, start: f64, end: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = isU8)]
    fn native_is_u8(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_name = u8Length)]
    fn native_u8_length(value: &JsValue) -> Result<f64, JsValue>;
    /// `value` if it is a number, else `NaN` (one import instead of wasm-bindgen's `number_get`,
    /// which writes an `Option<f64>` through a `DataView` of wasm memory in the glue).
    #[cfg(not(feature = "upload"))]
    #[wasm_bindgen(catch, js_name = num)]
    fn native_num(value: &JsValue) -> Result<f64, JsValue>;
    /// Encodes `s` from UTF-16 unit `from` on into `dest`; the units read.
    #[wasm_bindgen(catch, js_name = encodeInto)]
    fn encode_into(s: &js_sys::JsString, from: u32, dest: &mut [u8]) -> Result<f64, JsValue>;
    /// The bytes the last [`encode_into`] wrote. (`catch`, like every import of the file: an
    /// import wasm-bindgen can hand to the module as it is makes the glue import the whole file
    /// as a namespace, which esbuild then cannot trim.)
    #[wasm_bindgen(catch, js_name = encodedBytes)]
    fn encoded_bytes() -> Result<f64, JsValue>;
    #[wasm_bindgen(catch, js_name = followSignal)]
    fn native_follow_signal(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = uploadError)]
    pub(crate) fn native_upload_error(message: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = isUploadError)]
    pub(crate) fn native_is_upload_error(value: &JsValue) -> Result<bool, JsValue>;
}

/// What went wrong reading a caller value: it threw (`Threw`, with what it threw), or it was
/// not the kind of value expected (`Wrong`).
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The value's own code threw this.
    Threw(JsValue),
    /// The value is of the wrong kind (or too large); the caller says what was expected.
    Wrong,
}

impl From<JsValue> for ReadError {
    fn from(e: JsValue) -> ReadError {
        ReadError::Threw(e)
    }
}

/// `v` if it is a number other than `NaN` (`NaN` counts as no number: every caller refuses it).
/// The main entry keeps `as_f64`: its other modules link `number_get` anyway, and one import more
/// there would only add bytes.
pub(crate) fn number(v: &JsValue) -> Option<f64> {
    #[cfg(not(feature = "upload"))]
    return native_num(v).ok().filter(|n| !n.is_nan());
    #[cfg(feature = "upload")]
    v.as_f64().filter(|n| !n.is_nan())
}

/// `v` if it is a string, as UTF-8 (lone surrogates become U+FFFD, as `JsValue::as_string` makes
/// them). Encoded by [`utf8`]: `as_string` linked wasm-bindgen's own string passing into the glue
/// (its encoder, `passStringToWasm0`, a `DataView` writer, `__wbindgen_malloc` and `_realloc`).
/// The main entry keeps `as_string`, which its other modules (src/web/) link anyway.
pub(crate) fn string(v: &JsValue) -> Option<String> {
    #[cfg(not(feature = "upload"))]
    return String::from_utf8(utf8(v.dyn_ref::<js_sys::JsString>()?, u32::MAX as usize)?).ok();
    #[cfg(feature = "upload")]
    v.as_string()
}

/// The UTF-8 of a JS string, encoded by `encodeInto` straight into a buffer of 1.5 bytes per UTF-16
/// unit. `JsValue::as_string` reserves 3 bytes per unit for the whole string (63 MB for a 21 MB
/// chat, and wasm memory never shrinks). Text that needs more than 1.5 bytes per unit (mostly CJK)
/// fills the buffer; the rest is then encoded into room for its worst case. One call on the whole
/// string is the fast case: in Chromium, `encodeInto` on slices of a 20 MB string took 34 ms
/// against 22 ms for one call.
///
/// Past `max` bytes (plus one character) it stops and returns `None`: the input is too large, and
/// wasm memory is not grown for it.
pub(crate) fn utf8(s: &js_sys::JsString, max: usize) -> Option<Vec<u8>> {
    let cap = max.saturating_add(4);
    let units = s.length() as usize;
    if units > max {
        return None;
    }
    // `vec!` of zeros is a zeroed allocation: fresh wasm pages are not written twice.
    let mut buf: Vec<u8> = vec![0; (units + units / 2 + 16).min(cap)];
    let (mut from, mut written) = (0usize, 0usize);
    while from < units {
        let Some(dest) = buf.get_mut(written..) else { break };
        // A string's encodeInto cannot throw; if it ever did, the string counts as unreadable.
        let Ok(read) = encode_into(s, from as u32, dest) else { break };
        let (read, wrote) = (read as usize, encoded_bytes().unwrap_or(0.0) as usize);
        from += read;
        written += wrote;
        // Room for the worst case (3 bytes per unit) of what is left, up to the cap.
        let need = written.saturating_add((units - from).saturating_mul(3)).min(cap);
        if from < units && buf.len() < need {
            buf.resize(need, 0);
        } else if read == 0 && wrote == 0 {
            break;
        }
    }
    if from < units {
        return None;
    }
    buf.truncate(written);
    Some(buf)
}

/// `obj[key]` through `Reflect.get` (a throwing getter or trap is an `Err`). `obj` must be an
/// object or function: `Reflect.get` refuses primitives, which is reported as `Wrong`.
pub(crate) fn get(obj: &JsValue, key: &str) -> Result<JsValue, ReadError> {
    if !is_object_like(obj) {
        return Err(ReadError::Wrong);
    }
    Ok(Reflect::get(obj, &JsValue::from_str(key))?)
}

/// `obj[key]`, `None` when absent, `undefined` or `null`.
pub(crate) fn get_present(obj: &JsValue, key: &str) -> Result<Option<JsValue>, ReadError> {
    let v = get(obj, key)?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

/// An object or a function (`Reflect` accepts both; `typeof` says `"object"` or `"function"`).
pub(crate) fn is_object_like(v: &JsValue) -> bool {
    (v.is_object() && !v.is_null()) || v.is_function()
}

/// The own enumerable string keys of `obj` (`Object.keys`; a `Proxy`'s `ownKeys` trap may throw).
pub(crate) fn keys(obj: &JsValue) -> Result<Vec<String>, ReadError> {
    let arr = object_keys(obj)?;
    // A fresh native array of strings: reading it runs no caller code.
    let len = arr.length();
    let mut out = Vec::with_capacity(len as usize);
    // By index, not `arr.iter()` (js_sys's iterator is code of its own).
    for i in 0..len {
        if let Some(k) = string(&arr.get(i)) {
            out.push(k);
        }
    }
    Ok(out)
}

/// `Array.isArray(v)` (throws for a revoked `Proxy`).
pub(crate) fn is_array(v: &JsValue) -> Result<bool, ReadError> {
    Ok(array_is_array(v)?)
}

/// The length of the array `v`, `None` when `v` is not an array. A `Proxy` of an array passes
/// `Array.isArray`, so the length is read through `Reflect` and must be a valid array length.
pub(crate) fn array_len(v: &JsValue) -> Result<Option<u32>, ReadError> {
    if !is_array(v)? {
        return Ok(None);
    }
    let len = number(&get(v, "length")?).ok_or(ReadError::Wrong)?;
    if !(len >= 0.0 && len <= u32::MAX as f64 && len.fract() == 0.0) {
        return Err(ReadError::Wrong);
    }
    Ok(Some(len as u32))
}

/// `v[i]` through `Reflect` (a trap may throw).
pub(crate) fn item(v: &JsValue, i: u32) -> Result<JsValue, ReadError> {
    // `Reflect.get` with the index as a number key, as `get_u32` passes it: one import fewer.
    Ok(Reflect::get(v, &JsValue::from_f64(f64::from(i)))?)
}

/// The elements of the array `v`, which must have at most `max` of them (`Wrong` otherwise, or
/// when `v` is not an array).
pub(crate) fn array_items(v: &JsValue, max: usize) -> Result<Vec<JsValue>, ReadError> {
    let len = array_len(v)?.ok_or(ReadError::Wrong)?;
    if len as usize > max {
        return Err(ReadError::Wrong);
    }
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        out.push(item(v, i)?);
    }
    Ok(out)
}

/// `[key, value]` pairs of a plain object's own enumerable string keys, in their order.
pub(crate) fn entries(obj: &JsValue, max: usize) -> Result<Vec<(String, JsValue)>, ReadError> {
    let mut keys = keys(obj)?;
    if keys.len() > max {
        return Err(ReadError::Wrong);
    }
    let mut out = Vec::with_capacity(keys.len());
    // `iter_mut`, each key taken: a by-value loop linked a `vec::IntoIter` and its drop.
    for k in keys.iter_mut() {
        let v = get(obj, k)?;
        out.push((std::mem::take(k), v));
    }
    Ok(out)
}

/// The size of a real `Blob` (or `File`), read by the native getter, whose brand check is the
/// test: `Wrong` for anything else, including a `Proxy` of a `Blob`. No `instanceof`, so a
/// `File` from another realm (an iframe's file input) is accepted, as XHR and `FormData` accept it.
pub(crate) fn blob_size(value: &JsValue) -> Result<f64, ReadError> {
    native_blob_size(value).map_err(|_| ReadError::Wrong)
}

/// Bytes `[start, end)` of a real `Blob` as a fresh native `Blob` (`Blob.prototype.slice`,
/// whatever the blob's own `slice` does).
pub(crate) fn blob_slice(blob: &Blob, start: f64, end: f64) -> Result<Blob, ReadError> {
    // The native slice returns a Blob or throws; no `instanceof`, which fails across realms.
    Ok(native_blob_slice(blob, start, end)?.unchecked_into::<Blob>())
}

/// Whether `value` really is a `Uint8Array`, of any realm: the native `Symbol.toStringTag`
/// getter of typed arrays reads the internal type name, so a `Proxy`, an `Int16Array` given
/// `Uint8Array.prototype`, or a look-alike is not one.
pub(crate) fn is_u8_array(value: &JsValue) -> bool {
    native_is_u8(value).unwrap_or(false)
}

/// The real length of a typed array, by the native getter (which brand-checks: a `Proxy` or
/// any other value is `Wrong`; an own `length` getter is not consulted).
pub(crate) fn u8_array_len(value: &JsValue) -> Result<f64, ReadError> {
    if !is_u8_array(value) {
        return Err(ReadError::Wrong);
    }
    let len = native_u8_length(value).map_err(|_| ReadError::Wrong)?;
    if !(len >= 0.0 && len.fract() == 0.0) {
        return Err(ReadError::Wrong);
    }
    Ok(len)
}

/// The bytes of a real `Uint8Array`, copied straight into wasm memory. A `Proxy` (which passes
/// `instanceof`), a detached buffer, or an own `length` getter cannot make this throw through
/// wasm or allocate more than the array's real length.
pub(crate) fn u8_array_bytes(value: &JsValue) -> Result<Vec<u8>, ReadError> {
    let len = u8_array_len(value)?;
    if len > u32::MAX as f64 {
        return Err(ReadError::Wrong);
    }
    Ok(copy_u8(value, len as usize)?)
}

/// The bytes of an `ArrayBuffer`-like result, which must be exactly `expected` bytes long.
/// Only ever given what a native `arrayBuffer()` resolved to (possibly of another realm, so no
/// `instanceof`); the length check catches anything else.
pub(crate) fn buffer_bytes(value: &JsValue, expected: u64) -> Result<Vec<u8>, ReadError> {
    let copy: JsValue = CheckedU8::new_u8_from(value)?.into();
    // `copy` is a fresh native array, read by the same native accessors as a caller's
    // `Uint8Array` (no second copying path: js_sys's `to_vec` linked ~0.5 KB).
    if u8_array_len(&copy)? != expected as f64 {
        return Err(ReadError::Wrong);
    }
    u8_array_bytes(&copy)
}

/// A fresh native promise that adopts `value`: a caller's promise or thenable whose `then`
/// throws, or whose own `then`/`constructor` getters throw, rejects it instead of throwing
/// into wasm (the `then` lookup runs inside the promise machinery, not in our frame).
pub(crate) fn adopt(value: &JsValue) -> Promise {
    let value = value.clone();
    Promise::new(&mut move |resolve, _reject| {
        let _ = resolve.call1(&JsValue::UNDEFINED, &value);
    })
}

/// Why a `signal` option was refused.
pub(crate) enum SignalError {
    /// Not an `AbortSignal` (a `Proxy`, a look-alike object, a revoked signal).
    Wrong(Option<JsValue>),
}

/// The caller's `AbortSignal` as a signal of our own that follows it (`AbortSignal.any`): the
/// upload reads only our signal, whose `aborted` is the native getter, so an own `aborted` getter
/// that throws (now or later) cannot reach wasm. Where `AbortSignal.any` is missing (browsers
/// before 2024), a real `AbortSignal` is used as it is, after one checked read.
pub(crate) fn follow_signal(value: &JsValue) -> Result<AbortSignal, SignalError> {
    match native_follow_signal(value).map_err(|e| SignalError::Wrong(Some(e)))? {
        ours if !ours.is_undefined() => ours.dyn_into::<AbortSignal>().map_err(|_| SignalError::Wrong(None)),
        _ => {
            let signal = value.dyn_ref::<AbortSignal>().ok_or(SignalError::Wrong(None))?;
            match get(value, "aborted") {
                Ok(v) if v.as_bool().is_some() => Ok(signal.clone()),
                Ok(_) | Err(ReadError::Wrong) => Err(SignalError::Wrong(None)),
                Err(ReadError::Threw(e)) => Err(SignalError::Wrong(Some(e))),
            }
        }
    }
}
