//! Reports as plain JS objects, built with `Reflect::set` from the core's plain Rust types: no
//! serde on this side of the boundary (serde_json and the derives cost ~23 KiB of gzip in the
//! module). Each object gets its keys in the order the TypeScript types list them, the order the
//! serde derives used to write, so `JSON.stringify` of a report is byte-identical to before.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::ConvertResult;
use crate::report::{Issue, Report};
use crate::zip::{ZipEntry, ZipIssue, ZipReport};

/// Property names made once per report, not once per issue: a report can hold 100000 issues.
struct IssueKeys {
    code: JsValue,
    message: JsValue,
    path: JsValue,
    line: JsValue,
    column: JsValue,
    entry: JsValue,
}

impl IssueKeys {
    fn new() -> Self {
        let k = JsValue::from_str;
        IssueKeys { code: k("code"), message: k("message"), path: k("path"), line: k("line"), column: k("column"), entry: k("entry") }
    }
}

/// Sets `o[key] = value` on a fresh plain object, which cannot refuse it (no setter, no Proxy).
fn set(o: &Object, key: &JsValue, value: &JsValue) {
    let _ = Reflect::set(o, key, value);
}

fn put(o: &Object, key: &str, value: JsValue) {
    set(o, &JsValue::from_str(key), &value);
}

fn num(n: u64) -> JsValue {
    // Counts stay far below 2^53; `as` rounds anything above to the nearest double, as
    // JSON.parse of serde_json's integer text did.
    JsValue::from_f64(n as f64)
}

fn opt_u32(n: Option<u32>) -> JsValue {
    n.map_or(JsValue::NULL, |n| JsValue::from_f64(f64::from(n)))
}

fn issue_into(o: &Object, k: &IssueKeys, i: &Issue) {
    set(o, &k.code, &JsValue::from_str(i.code.as_str()));
    set(o, &k.message, &JsValue::from_str(&i.message));
    set(o, &k.path, &JsValue::from_str(&i.path));
    set(o, &k.line, &opt_u32(i.line));
    set(o, &k.column, &opt_u32(i.column));
}

/// `Issue[]`: `{ code, message, path, line, column }` each, `line`/`column` null when unplaced.
pub(crate) fn issues_js<'a>(issues: impl IntoIterator<Item = &'a Issue>) -> JsValue {
    let k = IssueKeys::new();
    let out = Array::new();
    for i in issues {
        let o = Object::new();
        issue_into(&o, &k, i);
        out.push(&o);
    }
    out.into()
}

/// A `ValidationReport`: `{ ok, errors, warnings, stats: { bytes, values, items, maxDepth }, truncated }`.
pub(crate) fn report_js(r: &Report) -> JsValue {
    let o = Object::new();
    put(&o, "ok", JsValue::from_bool(r.ok));
    put(&o, "errors", issues_js(&r.errors));
    put(&o, "warnings", issues_js(&r.warnings));
    let stats = Object::new();
    put(&stats, "bytes", num(r.stats.bytes));
    put(&stats, "values", num(r.stats.values));
    put(&stats, "items", num(r.stats.items));
    put(&stats, "maxDepth", num(u64::from(r.stats.max_depth)));
    put(&o, "stats", stats.into());
    put(&o, "truncated", JsValue::from_bool(r.truncated));
    o.into()
}

/// A `ConvertResult`: `{ ok, output, metadata, errors, warnings, truncated }`, `metadata` null
/// unless the target is SpeechSense.
pub(crate) fn convert_js(r: &ConvertResult) -> JsValue {
    let o = Object::new();
    put(&o, "ok", JsValue::from_bool(r.ok));
    put(&o, "output", JsValue::from_str(&r.output));
    put(&o, "metadata", r.metadata.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    put(&o, "errors", issues_js(&r.errors));
    put(&o, "warnings", issues_js(&r.warnings));
    put(&o, "truncated", JsValue::from_bool(r.truncated));
    o.into()
}

/// `ZipIssue[]`: an issue's keys, then `entry` when the issue is about one entry.
pub(crate) fn zip_issues_js(issues: &[ZipIssue]) -> JsValue {
    let k = IssueKeys::new();
    let out = Array::new_with_length(issues.len() as u32);
    for (n, i) in issues.iter().enumerate() {
        let o = Object::new();
        issue_into(&o, &k, &i.issue);
        if let Some(e) = &i.entry {
            set(&o, &k.entry, &JsValue::from_str(e));
        }
        out.set(n as u32, o.into());
    }
    out.into()
}

fn zip_entry_js(e: &ZipEntry) -> JsValue {
    let o = Object::new();
    put(&o, "name", JsValue::from_str(&e.name));
    put(&o, "size", num(e.size));
    put(&o, "compressedSize", num(e.compressed_size));
    put(&o, "method", JsValue::from_str(&e.method));
    put(&o, "encrypted", JsValue::from_bool(e.encrypted));
    put(&o, "kind", JsValue::from_str(e.kind));
    o.into()
}

/// A `ZipReport`: `{ ok, errors, warnings, stats, entries }`, plus `truncated: true` only when
/// issues were cut off.
pub(crate) fn zip_report_js(r: &ZipReport) -> JsValue {
    let o = Object::new();
    put(&o, "ok", JsValue::from_bool(r.ok));
    put(&o, "errors", zip_issues_js(&r.errors));
    put(&o, "warnings", zip_issues_js(&r.warnings));
    let s = &r.stats;
    let stats = Object::new();
    put(&stats, "bytes", num(s.bytes));
    put(&stats, "entries", num(s.entries));
    put(&stats, "dataEntries", num(s.data_entries));
    put(&stats, "uncompressedBytes", num(s.uncompressed_bytes));
    put(&stats, "reads", num(s.reads));
    put(&stats, "bytesRead", num(s.bytes_read));
    put(&stats, "sampledBytes", num(s.sampled_bytes));
    put(&o, "stats", stats.into());
    let entries = Array::new_with_length(r.entries.len() as u32);
    for (n, e) in r.entries.iter().enumerate() {
        entries.set(n as u32, zip_entry_js(e));
    }
    put(&o, "entries", entries.into());
    if r.truncated {
        put(&o, "truncated", JsValue::TRUE);
    }
    o.into()
}
