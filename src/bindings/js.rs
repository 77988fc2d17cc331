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

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(obj: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(value: &JsValue) -> Result<bool, JsValue>;
    /// An `Object`, for `isPrototypeOf` declared `catch`.
    #[wasm_bindgen(js_name = Object)]
    type CheckedObject;
    #[wasm_bindgen(catch, method, js_name = isPrototypeOf)]
    fn is_prototype_of_checked(this: &CheckedObject, value: &JsValue) -> Result<bool, JsValue>;
    /// A `Uint8Array`, for `set` and the copying constructor declared `catch`.
    #[wasm_bindgen(js_name = Uint8Array)]
    type CheckedU8;
    #[wasm_bindgen(catch, method, js_name = set)]
    fn set_from(this: &CheckedU8, source: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, constructor, js_class = "Uint8Array")]
    fn new_u8_from(source: &JsValue) -> Result<CheckedU8, JsValue>;
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
    let mut out = Vec::with_capacity(arr.length() as usize);
    for k in arr.iter() {
        if let Some(k) = k.as_string() {
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
    let len = get(v, "length")?.as_f64().ok_or(ReadError::Wrong)?;
    if !(len >= 0.0 && len <= u32::MAX as f64 && len.fract() == 0.0) {
        return Err(ReadError::Wrong);
    }
    Ok(Some(len as u32))
}

/// `v[i]` through `Reflect` (a trap may throw).
pub(crate) fn item(v: &JsValue, i: u32) -> Result<JsValue, ReadError> {
    Ok(Reflect::get_u32(v, i)?)
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
    let keys = keys(obj)?;
    if keys.len() > max {
        return Err(ReadError::Wrong);
    }
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let v = get(obj, &k)?;
        out.push((k, v));
    }
    Ok(out)
}

/// Whether `proto` is on `value`'s prototype chain (a `Proxy`'s `getPrototypeOf` trap may
/// throw: that is `false`, since none of our objects is a `Proxy`).
pub(crate) fn has_prototype(proto: &Object, value: &JsValue) -> bool {
    value.is_object() && proto.unchecked_ref::<CheckedObject>().is_prototype_of_checked(value).unwrap_or(false)
}

thread_local! {
    static NATIVE: Natives = Natives::load();
    /// Apart from [`NATIVE`]: the validate entry reads typed arrays only, and so links only
    /// this loader.
    static TYPED: Typed = Typed::load();
}

/// Native accessors of `Blob` and `AbortSignal`, looked up once from the global constructors.
struct Natives {
    blob_size: Option<Function>,
    blob_slice: Option<Function>,
    abort_signal_any: Option<Function>,
}

/// Native accessors of typed arrays, looked up once from `%TypedArray%.prototype`.
struct Typed {
    length: Option<Function>,
    /// `%TypedArray%.prototype[Symbol.toStringTag]`: the array's real type name, or undefined.
    tag: Option<Function>,
}

/// `globalThis[class].prototype`, when it is an object.
fn proto_of(class: &str) -> Option<JsValue> {
    let ctor = Reflect::get(&js_sys::global(), &class.into()).ok()?;
    Reflect::get(&ctor, &"prototype".into()).ok().filter(|p| p.is_object())
}

/// The getter of the own property `name` of `proto`.
fn getter_of(proto: Option<JsValue>, name: &JsValue) -> Option<Function> {
    let desc = Reflect::get_own_property_descriptor(proto?.unchecked_ref::<Object>(), name).ok()?;
    Reflect::get(&desc, &"get".into()).ok()?.dyn_into::<Function>().ok()
}

impl Natives {
    fn load() -> Natives {
        let global: JsValue = js_sys::global().into();
        let abort_signal_any = Reflect::get(&global, &"AbortSignal".into())
            .ok()
            .filter(|c| c.is_function())
            .and_then(|c| Reflect::get(&c, &"any".into()).ok())
            .and_then(|f| f.dyn_into::<Function>().ok());
        Natives {
            blob_size: getter_of(proto_of("Blob"), &JsValue::from_str("size")),
            blob_slice: proto_of("Blob")
                .and_then(|p| Reflect::get(&p, &"slice".into()).ok())
                .and_then(|f| f.dyn_into::<Function>().ok()),
            abort_signal_any,
        }
    }
}

impl Typed {
    fn load() -> Typed {
        let typed_array_proto = proto_of("Uint8Array").map(|p| JsValue::from(Object::get_prototype_of(&p)));
        Typed {
            length: getter_of(typed_array_proto.clone(), &JsValue::from_str("length")),
            tag: getter_of(typed_array_proto, &js_sys::Symbol::to_string_tag().into()),
        }
    }
}

/// The size of a real `Blob` (or `File`), read by the native getter, whose brand check is the
/// test: `Wrong` for anything else, including a `Proxy` of a `Blob`. No `instanceof`, so a
/// `File` from another realm (an iframe's file input) is accepted, as XHR and `FormData` accept it.
pub(crate) fn blob_size(value: &JsValue) -> Result<f64, ReadError> {
    let getter = NATIVE.with(|n| n.blob_size.clone()).ok_or(ReadError::Wrong)?;
    getter.call0(value).map_err(|_| ReadError::Wrong)?.as_f64().ok_or(ReadError::Wrong)
}

/// Bytes `[start, end)` of a real `Blob` as a fresh native `Blob` (`Blob.prototype.slice`,
/// whatever the blob's own `slice` does).
pub(crate) fn blob_slice(blob: &Blob, start: f64, end: f64) -> Result<Blob, ReadError> {
    let slice = NATIVE.with(|n| n.blob_slice.clone()).ok_or(ReadError::Wrong)?;
    // The native slice returns a Blob or throws; no `instanceof`, which fails across realms.
    Ok(slice.call2(blob, &start.into(), &end.into())?.unchecked_into::<Blob>())
}

/// Whether `value` really is a `Uint8Array`, of any realm: the native `Symbol.toStringTag`
/// getter of typed arrays reads the internal type name, so a `Proxy`, an `Int16Array` given
/// `Uint8Array.prototype`, or a look-alike is not one.
pub(crate) fn is_u8_array(value: &JsValue) -> bool {
    let Some(tag) = TYPED.with(|n| n.tag.clone()) else { return value.is_instance_of::<Uint8Array>() };
    tag.call0(value).ok().and_then(|t| t.as_string()).is_some_and(|t| t == "Uint8Array")
}

/// The real length of a typed array, by the native getter (which brand-checks: a `Proxy` or
/// any other value is `Wrong`; an own `length` getter is not consulted).
pub(crate) fn u8_array_len(value: &JsValue) -> Result<f64, ReadError> {
    if !is_u8_array(value) {
        return Err(ReadError::Wrong);
    }
    let getter = TYPED.with(|n| n.length.clone()).ok_or(ReadError::Wrong)?;
    let len = getter.call0(value).map_err(|_| ReadError::Wrong)?.as_f64().ok_or(ReadError::Wrong)?;
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
    let mut out = vec![0u8; len as usize];
    if out.is_empty() {
        return Ok(out);
    }
    // SAFETY: the view covers exactly `out`, and nothing allocates in wasm (which could grow and
    // detach the memory) between its creation and its last use by `set`.
    let view = unsafe { Uint8Array::view_mut_raw(out.as_mut_ptr(), out.len()) };
    view.unchecked_ref::<CheckedU8>().set_from(value)?;
    Ok(out)
}

/// The bytes of an `ArrayBuffer`-like result, which must be exactly `expected` bytes long.
/// Only ever given what a native `arrayBuffer()` resolved to (possibly of another realm, so no
/// `instanceof`); the length check catches anything else.
pub(crate) fn buffer_bytes(value: &JsValue, expected: u64) -> Result<Vec<u8>, ReadError> {
    let copy: Uint8Array = CheckedU8::new_u8_from(value)?.unchecked_into();
    // `copy` is a fresh native array: its length is its real length.
    if copy.length() as u64 != expected {
        return Err(ReadError::Wrong);
    }
    Ok(copy.to_vec())
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
    let any = NATIVE.with(|n| n.abort_signal_any.clone());
    match any {
        Some(any) => {
            let list = Array::of1(value);
            let ctor = Reflect::get(&js_sys::global(), &"AbortSignal".into()).map_err(|e| SignalError::Wrong(Some(e)))?;
            let ours = any.call1(&ctor, &list).map_err(|e| SignalError::Wrong(Some(e)))?;
            ours.dyn_into::<AbortSignal>().map_err(|_| SignalError::Wrong(None))
        }
        None => {
            let signal = value.dyn_ref::<AbortSignal>().ok_or(SignalError::Wrong(None))?;
            match get(value, "aborted") {
                Ok(v) if v.as_bool().is_some() => Ok(signal.clone()),
                Ok(_) | Err(ReadError::Wrong) => Err(SignalError::Wrong(None)),
                Err(ReadError::Threw(e)) => Err(SignalError::Wrong(Some(e))),
            }
        }
    }
}
