//! Panic containment: a panic hook that marks the module as poisoned and tells the package's JS
//! guard (`js/guard.js`), which wraps every export.
//!
//! On wasm32 a panic aborts: after the hook, the module executes `unreachable` and the call traps
//! (a JS `WebAssembly.RuntimeError`). Nothing in Rust can catch that (`catch_unwind` needs
//! unwinding, and the machine has no toolchain that builds std with it), and a trapped instance is
//! not safe to call again: the shadow stack pointer, the allocator and any `RefCell` borrow are
//! left as the panic found them. So the guard does, in JS: before every call it checks the poison
//! flag and answers `module_poisoned` without entering wasm; a call that traps becomes `internal`;
//! and because an async export traps inside a microtask (its promise would never settle), the
//! hook first calls the guard's callback, which rejects every pending promise with `internal`.

use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The guard's callback for this instance (so that two copies of the package in one page
    /// never poison each other).
    static ON_PANIC: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Installs the panic hook; `on_panic` is called with a short note when a panic starts, before
/// the trap. Called by the guard once the module is initialised.
#[wasm_bindgen(js_name = __installPanicGuard, skip_typescript)]
pub fn install_panic_guard(on_panic: Function) {
    // `try_with`, like the hook's: `with` links its `expect`, and with it `AccessError`'s `Debug`.
    let _ = ON_PANIC.try_with(|f| {
        if let Ok(mut f) = f.try_borrow_mut() {
            *f = Some(on_panic);
        }
    });
    std::panic::set_hook(Box::new(|info| {
        // Only the location: a panic message may quote input, and input may hold a secret.
        // One `format!`, not one for the place and one for the note.
        let note = match info.location() {
            Some(l) => format!("talk-uploader panicked at {}:{}", l.file(), l.line()),
            None => "talk-uploader panicked".to_owned(),
        };
        let note = JsValue::from_str(&note);
        let _ = ON_PANIC.try_with(|f| {
            if let Ok(f) = f.try_borrow() {
                if let Some(f) = f.as_ref() {
                    // `call1` is declared `catch`: a throwing callback cannot unwind through here.
                    let _ = f.call1(&JsValue::UNDEFINED, &note);
                }
            }
        });
    }));
}

// No `__isPoisoned` export: the guard keeps the poison flag in JS (`isPoisoned()` reads it),
// and a flag here had no reader.

/// A deliberate panic, only in builds with the `test-panic` feature (never in the package).
#[cfg(feature = "test-panic")]
#[wasm_bindgen(js_name = __testPanic, skip_typescript)]
pub fn test_panic(message: String) {
    panic!("deliberate test panic: {message}");
}

/// A deliberate panic inside an async call, after its promise was returned: it traps in a
/// microtask, where no caller's `try` can see it.
#[cfg(feature = "test-panic")]
#[wasm_bindgen(js_name = __testPanicAsync, skip_typescript)]
pub async fn test_panic_async(message: String) -> Result<JsValue, JsValue> {
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
    panic!("deliberate async test panic: {message}");
}

/// An async call that stays pending until `promise` settles, to show what a panic elsewhere does
/// to calls in flight.
#[cfg(feature = "test-panic")]
#[wasm_bindgen(js_name = __testPending, skip_typescript)]
pub async fn test_pending(promise: js_sys::Promise) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(promise).await
}
