//! Reading camelCase JS option objects into Rust values, with messages that name the option.
//!
//! Which keys each function takes is written once, in [`names`] (one table per entry point):
//! [`Opts::read`] refuses any other key, and `tests/option_tables.rs` holds the tables against
//! the `.d.ts` and docs/api.md.

use js_sys::{Function, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::error::invalid_option;
use super::js::{self, ReadError};
use crate::chunk::js_number_to_u64;
use crate::retry::{RetryPolicy, MAX_RETRIES};
use crate::s3_post::Presign;
use crate::validate::{FieldDecl, FieldType, DEFAULT_MAX_ISSUES, MAX_MAX_ISSUES};
use crate::web::attempts::{Attempts, Reporter, DEFAULT_STALL_TIMEOUT_MS};
use crate::web::progress::Phase;
use crate::web::failure::UploadFailure;

/// The option table of each entry point (`names::UPLOAD_AUDIO`).
#[path = "option_table.rs"]
pub(crate) mod names;
use names::{OptionTable, FIELD_DECL, RETRY};

/// An options argument that is an object (or an allowed `undefined`) whose keys are not checked
/// yet: [`Unchecked::only`] checks them against a table and reads the values.
struct Unchecked {
    obj: JsValue,
    name: String,
}

/// A JS options object whose keys are all in its [`OptionTable`], with every present option
/// read exactly once: a getter runs once (so it cannot answer differently at two reads), and a
/// getter or `Proxy` trap that throws is an `invalid_options` failure here, before any work
/// starts. Reading a key outside the table is a bug (a debug assertion).
pub(crate) struct Opts {
    /// How messages name the object: `options`, `options.retry`, `validate: options`.
    name: String,
    table: &'static OptionTable,
    values: Vec<(&'static str, JsValue)>,
}

/// Most entries read from an array option (`retry.delays`, `fields`): a guard, not a grammar.
pub(crate) const MAX_ARRAY_OPTION: usize = 10_000;

/// The `invalid_options` failure for an option whose getter or `Proxy` trap threw `thrown`.
pub(crate) fn threw(path: &str, thrown: JsValue) -> UploadFailure {
    invalid_option(format!("{path} could not be read: reading it threw (a getter or a Proxy trap); see error.cause"))
        .with_cause(thrown)
}

/// A [`ReadError`] of reading `path` as a failure; `wrong` says what was expected.
pub(crate) fn read_failure(path: &str, e: ReadError, wrong: &str) -> UploadFailure {
    match e {
        ReadError::Threw(thrown) => threw(path, thrown),
        ReadError::Wrong => invalid_option(format!("{path} {wrong}")),
    }
}

impl Opts {
    /// Reads `value`, the options argument of `table`'s function: an object (or `undefined`
    /// when the table says the argument is optional) whose keys are all in the table.
    pub(crate) fn read(value: &JsValue, table: &'static OptionTable) -> Result<Opts, UploadFailure> {
        if !table.prefixed {
            return Opts::new(value, "options", table.optional)?.only(table);
        }
        // `validate` and `convertChat` throw: their messages name the function.
        let f = table.function;
        // The name once, for every path (it was a `format!` on two of them).
        let name = format!("{f}: options");
        if value.is_undefined() || value.is_null() {
            if table.optional {
                return Ok(Opts { name, table, values: Vec::new() });
            }
            return Err(invalid_option(format!("{f}: the options object is required")));
        }
        if !value.is_object() {
            return Err(invalid_option(format!("{name} must be an object")));
        }
        Unchecked { obj: value.clone(), name }.check(table, (f, ": unknown option "))
    }

    /// Wraps `value`, which must be an object, or `undefined` when `optional`; `name` says how
    /// messages call it. [`Unchecked::only`] then reads it.
    fn new(value: &JsValue, name: &str, optional: bool) -> Result<Unchecked, UploadFailure> {
        if value.is_undefined() || value.is_null() {
            if optional {
                return Ok(Unchecked { obj: JsValue::UNDEFINED, name: name.to_owned() });
            }
            return Err(invalid_option(format!("{name} is required: pass an object")));
        }
        if !js::is_object_like(value) {
            return Err(invalid_option(format!("{name} must be an object")));
        }
        Ok(Unchecked { obj: value.clone(), name: name.to_owned() })
    }

    /// The value of `key`, `None` when absent, `undefined` or `null`.
    pub(crate) fn get(&self, key: &str) -> Option<JsValue> {
        debug_assert!(self.table.contains(key), "{key} is not in the {} table", self.table.ts_type);
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    }

    fn err(&self, key: &str, what: &str) -> UploadFailure {
        invalid_option(format!("{}.{key} {what}", self.name))
    }

    /// An optional string.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => js::string(&v).map(Some).ok_or_else(|| self.err(key, "must be a string")),
        }
    }

    /// A required, non-empty string.
    pub(crate) fn required_string(&self, key: &str) -> Result<String, UploadFailure> {
        match self.string(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(self.err(key, "is required: pass a non-empty string")),
        }
    }

    /// An optional non-negative integer (a safe JS integer).
    pub(crate) fn u64(&self, key: &str) -> Result<Option<u64>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let n = v.as_f64().ok_or_else(|| self.err(key, "must be a number"))?;
                js_number_to_u64(n).map(Some).map_err(|e| self.err(key, &format!("is invalid: {e}")))
            }
        }
    }

    /// An optional function.
    pub(crate) fn function(&self, key: &str) -> Result<Option<Function>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.is_function() => Ok(Some(v.unchecked_into())),
            Some(_) => Err(self.err(key, "must be a function")),
        }
    }

    /// The optional `signal`, as a signal of ours that follows it ([`js::follow_signal`]).
    pub(crate) fn signal(&self) -> Result<Option<AbortSignal>, UploadFailure> {
        let Some(v) = self.get("signal") else { return Ok(None) };
        js::follow_signal(&v).map(Some).map_err(|js::SignalError::Wrong(cause)| {
            let e = self.err("signal", "must be an AbortSignal (controller.signal)");
            match cause {
                Some(c) => e.with_cause(c),
                None => e,
            }
        })
    }

    /// The optional `retry`: absent for the default `[0, 1000, 3000, 5000]`, `false` for none,
    /// or `{ delays: number[] }`. Anything else is refused: `retry: 0` or `retry: "none"` must
    /// not silently mean five attempts.
    pub(crate) fn retry(&self) -> Result<RetryPolicy, UploadFailure> {
        let Some(retry) = self.get("retry") else { return Ok(RetryPolicy::default()) };
        let path = format!("{}.retry", self.name);
        if retry == JsValue::FALSE {
            return Ok(RetryPolicy::never());
        }
        if !js::is_object_like(&retry) || retry.is_function() || js::is_array(&retry).map_err(|e| threw(&path, e.thrown()))? {
            let got = describe(&retry);
            return Err(invalid_option(format!(
                "{path} must be false (never retry) or {{ delays: [ms, ...] }}, e.g. {{ delays: [0, 1000, 3000, 5000] }}; got {got}"
            )));
        }
        let retry = Unchecked { obj: retry, name: path.clone() }.only(&RETRY)?;
        let Some(delays) = retry.get("delays") else { return Ok(RetryPolicy::default()) };
        let path = format!("{path}.delays");
        let len = match js::array_len(&delays) {
            Ok(Some(n)) => n as usize,
            Ok(None) | Err(ReadError::Wrong) => {
                return Err(invalid_option(format!("{path} must be an array of milliseconds, e.g. [0, 1000, 3000, 5000]")))
            }
            Err(e) => return Err(threw(&path, e.thrown())),
        };
        if len > MAX_RETRIES {
            return Err(invalid_option(format!("{path} lists {len} retries; at most {MAX_RETRIES} are allowed")));
        }
        let mut out = Vec::with_capacity(len);
        for i in 0..len as u32 {
            let d = js::item(&delays, i).map_err(|e| threw(&format!("{path}[{i}]"), e.thrown()))?;
            let n = d.as_f64().and_then(|n| js_number_to_u64(n).ok());
            out.push(n.ok_or_else(|| {
                invalid_option(format!("{path}[{i}] must be a non-negative integer of milliseconds; got {}", describe(&d)))
            })?);
        }
        RetryPolicy::new(out).map_err(|e| invalid_option(format!("{}.{e}", self.name)))
    }

    /// The shared behaviour options: `signal`, `onProgress`, `retry`, `stallTimeoutMs`; then the
    /// upload starts: refused if the signal has already aborted, else in phase `validating`.
    pub(crate) fn attempts(&self, total: u64, idempotent: bool) -> Result<Attempts, UploadFailure> {
        let attempts = Attempts {
            policy: self.retry()?,
            signal: self.signal()?,
            stall_ms: self.u64("stallTimeoutMs")?.unwrap_or(DEFAULT_STALL_TIMEOUT_MS),
            reporter: Reporter::new(total, self.function("onProgress")?),
            idempotent,
        };
        ensure_not_aborted(&attempts)?;
        attempts.reporter.phase(Phase::Validating);
        Ok(attempts)
    }
}

/// The readers of `validate` and `convertChat` (and any option naming a fixed set of values).
impl Opts {
    /// `key` naming one of `choices` (each called in JS by `name` of it), `None` when absent. A
    /// wrong value is `invalid_options` listing the choices.
    pub(crate) fn one_of<T: Copy>(&self, key: &str, choices: Choices<T>) -> Result<Option<T>, UploadFailure> {
        Ok(self.choice_of(key, &names(choices), false)?.and_then(|i| choices.0.get(i).copied()))
    }

    /// [`Opts::one_of`]'s work that does not depend on the type of the choices, once for all:
    /// the index of the choice named, `None` when absent (refused when `required`).
    fn choice_of(&self, key: &str, names: &[&str], required: bool) -> Result<Option<usize>, UploadFailure> {
        match self.get(key) {
            Some(v) => choice(&format!("{}.{key}", self.name), &v, names).map(Some),
            None if required => Err(self.err(key, "is required")),
            None => Ok(None),
        }
    }

    /// [`Opts::one_of`] for a required option.
    pub(crate) fn required_one_of<T: Copy>(&self, key: &str, choices: Choices<T>) -> Result<T, UploadFailure> {
        let i = self.choice_of(key, &names(choices), true)?;
        // `choice_of` gave the index of a name in `choices`, so `get` finds it.
        i.and_then(|i| choices.0.get(i).copied()).ok_or_else(|| self.err(key, "is required"))
    }

    /// An optional boolean.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, UploadFailure> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| self.err(key, "must be true or false")),
        }
    }

    /// A JSON document given as text or as a plain object, as text.
    pub(crate) fn json_text(&self, key: &str) -> Result<Option<String>, UploadFailure> {
        let Some(v) = self.get(key) else { return Ok(None) };
        json_text(&v, &format!("{}.{key}", self.name)).map(Some)
    }

    /// `maxIssues`: an integer from 1 to [`MAX_MAX_ISSUES`], [`DEFAULT_MAX_ISSUES`] when absent.
    pub(crate) fn max_issues(&self) -> Result<usize, UploadFailure> {
        let Some(v) = self.get("maxIssues") else { return Ok(DEFAULT_MAX_ISSUES) };
        match js::number(&v) {
            Some(n) if n.fract() == 0.0 && (1.0..=MAX_MAX_ISSUES as f64).contains(&n) => Ok(n as usize),
            _ => Err(self.err("maxIssues", &format!("must be an integer from 1 to {MAX_MAX_ISSUES}"))),
        }
    }

    /// An object of `name -> one of choices` (`convertChat`'s `roles`), empty when absent.
    pub(crate) fn map_of<T: Copy>(&self, key: &str, choices: Choices<T>) -> Result<Vec<(String, T)>, UploadFailure> {
        let Some(v) = self.get(key) else { return Ok(Vec::new()) };
        let path = format!("{}.{key}", self.name);
        if !js::is_object_like(&v) || v.is_function() || js::is_array(&v).map_err(|e| threw(&path, e.thrown()))? {
            return Err(invalid_option(format!("{path} must be an object of name -> {}", expected(&names(choices)))));
        }
        let mut entries = js::entries(&v, MAX_ARRAY_OPTION)
            .map_err(|e| read_failure(&path, e, &format!("has more than {MAX_ARRAY_OPTION} entries")))?;
        let names = names(choices);
        let mut out = Vec::with_capacity(entries.len());
        // `iter_mut`, each key taken: no `vec::IntoIter` instance.
        for (k, item) in entries.iter_mut() {
            let i = choice(&format!("{path}.{}", shorten(k)), item, &names)?;
            if let Some(&t) = choices.0.get(i) {
                out.push((std::mem::take(k), t));
            }
        }
        Ok(out)
    }

    /// `validate`'s `fields`: an array of `{ name, type, required? }`, each a closed set of keys
    /// ([`FIELD_DECL`]: a `requred: false` typo must not silently make a field required).
    pub(crate) fn fields(&self) -> Result<Vec<FieldDecl>, UploadFailure> {
        let Some(v) = self.get("fields") else { return Ok(Vec::new()) };
        let path = format!("{}.fields", self.name);
        let len = match js::array_len(&v) {
            Ok(Some(n)) => n,
            Ok(None) | Err(ReadError::Wrong) => return Err(invalid_option(format!("{path} must be an array of {{ name, type, required? }}"))),
            Err(e) => return Err(threw(&path, e.thrown())),
        };
        if len as usize > MAX_ARRAY_OPTION {
            return Err(invalid_option(format!("{path} has {len} entries; at most {MAX_ARRAY_OPTION} are allowed")));
        }
        let mut out = Vec::with_capacity(len as usize);
        for i in 0..len {
            let at = format!("{path}[{i}]");
            let item = js::item(&v, i).map_err(|e| threw(&at, e.thrown()))?;
            if !item.is_object() {
                return Err(invalid_option(format!("{at} must be an object {{ name, type, required? }}")));
            }
            let decl = Unchecked { obj: item, name: at.clone() }.check(&FIELD_DECL, (&at, " has an unknown key "))?;
            let name = decl.string("name")?.ok_or_else(|| decl.err("name", "is required"))?;
            let type_name = decl.string("type")?.ok_or_else(|| decl.err("type", "is required"))?;
            let field_type = FieldType::from_name(&type_name).ok_or_else(|| {
                invalid_option(format!(
                    "{at}.type: unknown field type \"{}\": use String, Number, Fractional number, Boolean, Date, JSON or URL",
                    shorten(&type_name)
                ))
            })?;
            out.push(FieldDecl { name, field_type, required: decl.bool("required")?.unwrap_or(true) });
        }
        Ok(out)
    }
}

/// The values an option may name, and the JS name of each (`(&ValidationKind::ALL, ValidationKind::as_str)`).
pub(crate) type Choices<'a, T> = (&'a [T], fn(T) -> &'static str);

/// The JS names of `choices`, in order. The readers below work on these, so that each of them
/// is one function whatever the type of the choices (a generic one is a copy per type).
fn names<T: Copy>((values, name): Choices<T>) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(values.len());
    for &t in values {
        out.push(name(t));
    }
    out
}

/// `v` as the index of one of `names`; `path` names it in messages.
fn choice(path: &str, v: &JsValue, names: &[&str]) -> Result<usize, UploadFailure> {
    let Some(s) = js::string(v) else {
        return Err(invalid_option(format!("{path} must be a string: {}", expected(names))));
    };
    names
        .iter()
        .position(|&n| n == s)
        .ok_or_else(|| invalid_option(format!("{path}: unknown variant `{}`, {}", shorten(&s), expected(names))))
}

/// `expected one of `a`, `b``, as serde said it when serde read these options. Written straight
/// into one String: a Vec of quoted names and `join` linked std's join_generic_copy for this alone.
fn expected(names: &[&str]) -> String {
    let two = names.len() == 2;
    let mut out = String::from(if names.len() == 1 || two { "expected " } else { "expected one of " });
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(if two { " or " } else { ", " });
        }
        out.push('`');
        out.push_str(n);
        out.push('`');
    }
    out
}

impl Unchecked {
    /// Refuses option names outside `table` (a typo such as `onprogress` or `apikey` must not
    /// silently turn a feature off), then reads every option of the table once.
    fn only(self, table: &'static OptionTable) -> Result<Opts, UploadFailure> {
        let name = self.name.clone();
        self.check(table, (&name, " has an unknown option "))
    }

    /// [`Unchecked::only`]; the message for an unknown key is `unknown`'s two parts, then the key
    /// (two strings, not a closure per caller: each was code of its own).
    fn check(self, table: &'static OptionTable, unknown: (&str, &str)) -> Result<Opts, UploadFailure> {
        let Unchecked { obj, name } = self;
        if obj.is_undefined() {
            return Ok(Opts { name, table, values: Vec::new() });
        }
        let mut allowed: Vec<&'static str> = Vec::new();
        // Nested loops, not `table.keys()`: its `flat_map` linked a flattening iterator of its own.
        for group in table.groups {
            for &k in *group {
                allowed.push(k);
            }
        }
        if let Some(key) = unknown_key(&obj, &allowed).map_err(|e| threw(&name, e))? {
            return Err(invalid_option(format!("{}{}{key}", unknown.0, unknown.1)));
        }
        let mut values = Vec::new();
        // Over `allowed`, not the table again: one copy of the loops less.
        for &key in &allowed {
            if let Some(v) = js::get_present(&obj, key).map_err(|e| threw(&format!("{name}.{key}"), e.thrown()))? {
                values.push((key, v));
            }
        }
        Ok(Opts { name, table, values })
    }
}

impl ReadError {
    /// What was thrown (`undefined` for [`ReadError::Wrong`], which the callers above rule out
    /// first: they read only objects).
    pub(crate) fn thrown(self) -> JsValue {
        match self {
            ReadError::Threw(e) => e,
            ReadError::Wrong => JsValue::UNDEFINED,
        }
    }

    /// What was thrown, `None` for [`ReadError::Wrong`].
    pub(crate) fn cause(self) -> Option<JsValue> {
        match self {
            ReadError::Threw(e) => Some(e),
            ReadError::Wrong => None,
        }
    }
}

/// A short description of a wrong option value for a message: its type, and the value itself
/// for numbers and booleans. Strings are not quoted: an option's string may be a secret pasted
/// in the wrong place.
fn describe(v: &JsValue) -> String {
    if let Some(n) = v.as_f64() {
        // Shown: integer formatting only (f64 Display links ~9 KiB of gzip of float formatting).
        return format!("the number {}", crate::chunk::Shown(n));
    }
    if let Some(b) = v.as_bool() {
        return format!("{b}");
    }
    if v.is_string() {
        return "a string".to_owned();
    }
    if v.is_function() {
        return "a function".to_owned();
    }
    if v.is_object() {
        return if js::is_array(v).unwrap_or(false) { "an array".to_owned() } else { "an object".to_owned() };
    }
    "a value of another type".to_owned()
}

/// The first own key of `obj` outside `allowed`, as `` `key` `` followed by a did-you-mean hint,
/// for the option readers of the uploads ([`Opts`]) and of `validate` / `convertChat`. `Err` is
/// what `Object.keys` threw (a `Proxy`'s `ownKeys` trap).
pub(crate) fn unknown_key(obj: &JsValue, allowed: &[&str]) -> Result<Option<String>, JsValue> {
    let keys = match js::keys(obj) {
        Ok(keys) => keys,
        Err(e) => return Err(e.thrown()),
    };
    // A loop over the slice, not `into_iter().find(..)` (an owning iterator's code of its own).
    let mut unknown = None;
    for k in &keys {
        if !allowed.contains(&k.as_str()) {
            unknown = Some(k.as_str());
            break;
        }
    }
    let Some(key) = unknown else { return Ok(None) };
    let hint = crate::report::suggest::suggest(key, allowed, "options");
    Ok(Some(format!("`{}`{hint}", shorten(key))))
}

/// A caller's key as shown in a message: at most 64 characters (a 1 MB key is not echoed).
fn shorten(key: &str) -> String {
    match crate::redact::char_start(key, 64) {
        // `get`, not `&key[..i]`: `i` is a char boundary, and indexing would link the
        // string-slicing panic path (its `{:?}` of a char and Unicode tables, ~3.7 KB of gzip).
        Some(i) => format!("{}…", key.get(..i).unwrap_or_default()),
        None => key.to_owned(),
    }
}

/// A JSON argument given as a string or a plain object, as JSON text.
pub(crate) fn json_text(value: &JsValue, name: &str) -> Result<String, UploadFailure> {
    if let Some(s) = js::string(value) {
        return Ok(s);
    }
    if value.is_object() {
        match JSON::stringify(value) {
            Ok(s) if s.is_string() => return Ok(js::string(&s).unwrap_or_default()),
            Ok(_) => {}
            // A getter, a `toJSON` or a Proxy trap threw, or a cycle or too deep a nesting.
            Err(e) => {
                return Err(invalid_option(format!("{name} could not be turned into JSON (JSON.stringify threw); see error.cause"))
                    .with_cause(e))
            }
        }
    }
    Err(invalid_option(format!("{name} must be a JSON string or a plain object")))
}

/// Most form fields a presign may carry (S3 needs fewer than 15).
const MAX_PRESIGN_FIELDS: usize = 200;

/// A presign `{url, fields}` from a caller (the `presign` option, or what its function returned)
/// or from the Vela API, with `fields` an object (in insertion order) or an array of
/// `[name, value]`. It is data from the caller's backend, not an option object: other keys are
/// ignored. Every read goes through `Reflect`; `what` names the value in messages. Messages never
/// quote a field value (they hold the policy and the signature).
pub(crate) fn read_presign(value: &JsValue, what: &str) -> Result<Presign, UploadFailure> {
    let bad = || invalid_option(format!("{what} must be {{url: string, fields: {{name: value, ...}}}}"));
    if !js::is_object_like(value) {
        return Err(bad());
    }
    let url = js::get(value, "url").map_err(|e| read_failure(&format!("{what}.url"), e, "must be a string"))?;
    let url = js::string(&url).ok_or_else(bad)?;
    let path = format!("{what}.fields");
    let fields_value = js::get(value, "fields").map_err(|e| read_failure(&path, e, "must be an object or an array"))?;
    fn threw_at(p: &str) -> impl Fn(ReadError) -> UploadFailure + '_ {
        move |e| read_failure(p, e, "is not readable")
    }
    let pairs: Vec<(JsValue, JsValue)> = match js::array_len(&fields_value).map_err(threw_at(&path))? {
        Some(len) => {
            if len as usize > MAX_PRESIGN_FIELDS {
                return Err(invalid_option(format!("{path} has {len} entries; at most {MAX_PRESIGN_FIELDS} are allowed")));
            }
            let mut out = Vec::with_capacity(len as usize);
            for i in 0..len {
                let p = format!("{path}[{i}]");
                let pair = js::item(&fields_value, i).map_err(threw_at(&p))?;
                let two = js::array_items(&pair, 2).map_err(|e| read_failure(&p, e, "must be a [name, value] pair of strings"))?;
                match <[JsValue; 2]>::try_from(two) {
                    Ok([k, v]) => out.push((k, v)),
                    Err(_) => return Err(invalid_option(format!("{p} must be a [name, value] pair of strings"))),
                }
            }
            out
        }
        None if js::is_object_like(&fields_value) && !fields_value.is_function() => {
            let entries = js::entries(&fields_value, MAX_PRESIGN_FIELDS)
                .map_err(|e| read_failure(&path, e, &format!("has more than {MAX_PRESIGN_FIELDS} fields")))?;
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                out.push((JsValue::from_str(&k), v));
            }
            out
        }
        None => return Err(bad()),
    };
    let mut fields = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let (Some(k), Some(v)) = (js::string(&k), js::string(&v)) else {
            return Err(invalid_option(format!("{path}: every field name and value must be a string")));
        };
        fields.push((k, v));
    }
    Ok(Presign { url, fields })
}

/// Checks the `signal` before work starts.
pub(crate) fn ensure_not_aborted(attempts: &Attempts) -> Result<(), UploadFailure> {
    if attempts.signal.as_ref().is_some_and(|s| s.aborted()) {
        Err(UploadFailure::aborted())
    } else {
        Ok(())
    }
}
