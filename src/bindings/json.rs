//! Reports as plain JS objects, written as JSON text by the crate's own writer and parsed by
//! `JSON.parse`: no serde on this side of the boundary (serde_json and the derives cost ~23 KiB
//! of gzip in the module). Each object gets its keys in the order the TypeScript types list them,
//! the order the serde derives used to write, so `JSON.stringify` of a report is byte-identical to
//! before.

use js_sys::{Reflect, JSON};
use wasm_bindgen::prelude::*;

use crate::convert::ConvertResult;
use crate::json::write::Writer;
use crate::report::{Issue, Report};
use crate::zip::{ZipEntry, ZipIssue, ZipReport};

/// The value of `json`, JSON text written here: `JSON.parse` makes the plain objects and arrays
/// in one call, with their keys in the order written (a `Reflect::set` per key cost code and
/// an import call each). Counts stay far below 2^53, so their integer text parses to the same
/// number that `n as f64` gave.
fn parse(json: &str) -> JsValue {
    // Valid JSON from the writer: parsing it cannot throw (but for running out of memory).
    JSON::parse(json).unwrap_or_default()
}

fn int(w: &mut Writer, key: &str, n: u64) {
    w.uint(Some(key), n);
}

/// An issue's `{ code, message, path, line, column }`, `line`/`column` null when unplaced; not closed.
fn issue_into(w: &mut Writer, i: &Issue) {
    w.open(None, b'{');
    w.string(Some("code"), i.code.as_str());
    w.string(Some("message"), &i.message);
    w.string(Some("path"), &i.path);
    for (key, n) in [("line", i.line), ("column", i.column)] {
        match n {
            Some(n) => int(w, key, u64::from(n)),
            None => w.raw(Some(key), "null"),
        }
    }
}

fn issues_into<'a>(w: &mut Writer, key: Option<&str>, issues: impl IntoIterator<Item = &'a Issue>) {
    w.open(key, b'[');
    for i in issues {
        issue_into(w, i);
        w.close(b'}');
    }
    w.close(b']');
}

/// `Issue[]`: `{ code, message, path, line, column }` each, `line`/`column` null when unplaced.
pub(crate) fn issues_js<'a>(issues: impl IntoIterator<Item = &'a Issue>) -> JsValue {
    let mut w = Writer::default();
    issues_into(&mut w, None, issues);
    parse(&w.into_string())
}

/// A `ValidationReport`: `{ ok, errors, warnings, stats: { bytes, values, items, maxDepth }, truncated }`.
pub(crate) fn report_js(r: &Report) -> JsValue {
    let mut w = Writer::default();
    w.open(None, b'{');
    w.bool(Some("ok"), r.ok);
    issues_into(&mut w, Some("errors"), &r.errors);
    issues_into(&mut w, Some("warnings"), &r.warnings);
    w.open(Some("stats"), b'{');
    int(&mut w, "bytes", r.stats.bytes);
    int(&mut w, "values", r.stats.values);
    int(&mut w, "items", r.stats.items);
    int(&mut w, "maxDepth", u64::from(r.stats.max_depth));
    w.close(b'}');
    w.bool(Some("truncated"), r.truncated);
    w.close(b'}');
    parse(&w.into_string())
}

/// A `ConvertResult`: `{ ok, output, metadata, errors, warnings, truncated }`, `metadata` null
/// unless the target is SpeechSense.
pub(crate) fn convert_js(r: &ConvertResult) -> JsValue {
    let mut w = Writer::default();
    w.open(None, b'{');
    w.bool(Some("ok"), r.ok);
    // `output` (the whole converted chat) is set on the parsed object, not quoted and parsed
    // again; setting a key the object has keeps its place.
    w.raw(Some("output"), "\"\"");
    match &r.metadata {
        Some(m) => w.string(Some("metadata"), m),
        None => w.raw(Some("metadata"), "null"),
    }
    issues_into(&mut w, Some("errors"), &r.errors);
    issues_into(&mut w, Some("warnings"), &r.warnings);
    w.bool(Some("truncated"), r.truncated);
    w.close(b'}');
    let o = parse(&w.into_string());
    // A fresh plain object, which cannot refuse it (no setter, no Proxy).
    let _ = Reflect::set(&o, &JsValue::from_str("output"), &JsValue::from_str(&r.output));
    o
}

fn zip_issues_into(w: &mut Writer, key: Option<&str>, issues: &[ZipIssue]) {
    w.open(key, b'[');
    for i in issues {
        issue_into(w, &i.issue);
        if let Some(e) = &i.entry {
            w.string(Some("entry"), e);
        }
        w.close(b'}');
    }
    w.close(b']');
}

/// `ZipIssue[]`: an issue's keys, then `entry` when the issue is about one entry.
pub(crate) fn zip_issues_js(issues: &[ZipIssue]) -> JsValue {
    let mut w = Writer::default();
    zip_issues_into(&mut w, None, issues);
    parse(&w.into_string())
}

fn zip_entry_into(w: &mut Writer, e: &ZipEntry) {
    w.open(None, b'{');
    w.string(Some("name"), &e.name);
    int(w, "size", e.size);
    int(w, "compressedSize", e.compressed_size);
    w.string(Some("method"), &e.method);
    w.bool(Some("encrypted"), e.encrypted);
    w.string(Some("kind"), e.kind);
    w.close(b'}');
}

/// A `ZipReport`: `{ ok, errors, warnings, stats, entries }`, plus `truncated: true` only when
/// issues were cut off.
pub(crate) fn zip_report_js(r: &ZipReport) -> JsValue {
    let mut w = Writer::default();
    w.open(None, b'{');
    w.bool(Some("ok"), r.ok);
    zip_issues_into(&mut w, Some("errors"), &r.errors);
    zip_issues_into(&mut w, Some("warnings"), &r.warnings);
    let s = &r.stats;
    w.open(Some("stats"), b'{');
    int(&mut w, "bytes", s.bytes);
    int(&mut w, "entries", s.entries);
    int(&mut w, "dataEntries", s.data_entries);
    int(&mut w, "uncompressedBytes", s.uncompressed_bytes);
    int(&mut w, "reads", s.reads);
    int(&mut w, "bytesRead", s.bytes_read);
    int(&mut w, "sampledBytes", s.sampled_bytes);
    w.close(b'}');
    w.open(Some("entries"), b'[');
    for e in &r.entries {
        zip_entry_into(&mut w, e);
    }
    w.close(b']');
    if r.truncated {
        w.bool(Some("truncated"), true);
    }
    w.close(b'}');
    parse(&w.into_string())
}
