//! `validate` and `convertChat`: the JS face of [`crate::validate`] and [`crate::formats::convert`].
//!
//! Bad *input* never throws: it comes back as issues in the report. Only bad *options* throw, as an
//! `UploadError` with code `invalid_options` and a message naming the option.

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::error::{invalid_option, to_js};
use super::json::{from_js_value, to_js_value};
use super::options::{present, unknown_key};
use crate::formats::convert::{convert_chat as convert_core, ChatFormat, ConvertOptions, Role};
use crate::formats::speechsense::{ConnectionKind, FieldDecl};
use crate::validate::{validate as validate_core, ValidateOptions, ValidationKind};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** What a document is expected to be. */
export type ValidationKind =
  | "speechsense-chat" | "speechsense-metadata"
  | "vela-chat" | "vela-call-metadata"
  | "labelbox-conversation" | "labelbox-import";
/** The SpeechSense connection type (decides the required metadata keys). */
export type ConnectionKind = "chat" | "audio-one-channel" | "audio-two-channel";
/** A SpeechSense connection field type. */
export type FieldType = "String" | "Number" | "Fractional number" | "Boolean" | "Date" | "JSON" | "URL";
/** An extra field declared on the connection. `required` defaults to true. */
export interface FieldDecl { name: string; type: FieldType; required?: boolean }
/** Options of `validate`. */
export interface ValidateOptions {
  kind: ValidationKind;
  /** For speechsense-chat: the metadata (JSON text or object); every user_id must be one of its ids. */
  metadata?: string | Record<string, unknown>;
  /** For speechsense-metadata. */
  connection?: ConnectionKind;
  /** For speechsense-metadata: declared extra fields and their types. */
  fields?: FieldDecl[];
}
/** Every issue code; docs/validation.md says what each means. */
export type IssueCode =
  | "empty_input"
  | "invalid_utf8"
  | "too_large"
  | "too_deep"
  | "unexpected_end"
  | "unexpected_character"
  | "trailing_comma"
  | "missing_comma"
  | "missing_colon"
  | "expected_key"
  | "invalid_escape"
  | "lone_surrogate"
  | "control_character"
  | "invalid_number"
  | "invalid_literal"
  | "trailing_content"
  | "duplicate_key"
  | "wrong_type"
  | "missing_member"
  | "unknown_member"
  | "empty_value"
  | "empty_array"
  | "invalid_datetime"
  | "invalid_calendar_date"
  | "missing_offset"
  | "range_reversed"
  | "out_of_order"
  | "outside_session"
  | "unknown_user_id"
  | "invalid_metadata_option"
  | "unquoted_value"
  | "key_too_long"
  | "value_too_long"
  | "undeclared_key"
  | "invalid_boolean"
  | "invalid_language"
  | "invalid_field_value"
  | "invalid_email"
  | "invalid_url"
  | "invalid_enum"
  | "unknown_sender"
  | "too_many_messages"
  | "duplicate_message_id"
  | "duplicate_global_key"
  | "content_too_long"
  | "invalid_integer"
  | "timestamp_unit"
  | "empty_text"
  | "dropped"
  | "role_inferred"
  | "precision_lost"
  | "missing_option";
/** One problem. line/column are 1-based; column counts UTF-16 code units; null when the issue has no place in the input. */
export interface Issue { code: IssueCode; message: string; path: string; line: number | null; column: number | null }
/** Counts about the input. */
export interface ValidationStats { bytes: number; values: number; items: number; maxDepth: number }
/** The result of `validate`. */
export interface ValidationReport { ok: boolean; errors: Issue[]; warnings: Issue[]; stats: ValidationStats }
/** A chat format `convertChat` reads and writes. */
export type ChatFormat = "speechsense" | "vela" | "labelbox";
/** A participant role. */
export type ChatRole = "agent" | "customer" | "bot";
/** Options of `convertChat`. */
export interface ConvertOptions {
  from: ChatFormat;
  to: ChatFormat;
  /** SpeechSense metadata when `from` is "speechsense" (names the participants). */
  metadata?: string | Record<string, unknown>;
  /** Vela org_id for the output. */
  orgId?: string;
  /** Vela session_id for the output. */
  sessionId?: string;
  /** Labelbox userId -> role, overriding the align convention. */
  roles?: Record<string, ChatRole>;
}
/** The result of `convertChat`. `metadata` is the SpeechSense metadata.json text when `to` is "speechsense". */
export interface ConvertResult { ok: boolean; output: string; metadata: string | null; errors: Issue[]; warnings: Issue[] }
"#;

/// Reads an options object: every key must be in `allowed` (a typo must not silently turn a
/// check off), and each option is read by name so that an error names it.
struct JsOptions<'a> {
    obj: js_sys::Object,
    what: &'a str,
}

impl<'a> JsOptions<'a> {
    fn new(value: JsValue, what: &'a str, allowed: &[&str]) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Err(to_js(invalid_option(format!("{what}: the options object is required"))));
        }
        let obj: js_sys::Object =
            value.dyn_into().map_err(|_| to_js(invalid_option(format!("{what}: options must be an object"))))?;
        if let Some(key) = unknown_key(&obj, allowed) {
            return Err(to_js(invalid_option(format!("{what}: unknown option {key}"))));
        }
        Ok(Self { obj, what })
    }

    fn raw(&self, key: &str) -> Option<JsValue> {
        present(&self.obj, key)
    }

    /// Option `key` read as `T`, `None` when absent.
    fn get<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, JsValue> {
        let Some(v) = self.raw(key) else { return Ok(None) };
        from_js_value(&v).map(Some).map_err(|e| to_js(invalid_option(format!("{}: options.{key}: {e}", self.what))))
    }

    fn required<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, JsValue> {
        self.get(key)?.ok_or_else(|| to_js(invalid_option(format!("{}: options.{key} is required", self.what))))
    }

    /// A JSON document given as text or as a plain object, as text.
    fn json_text(&self, key: &str) -> Result<Option<String>, JsValue> {
        let Some(v) = self.raw(key) else { return Ok(None) };
        if let Some(s) = v.as_string() {
            return Ok(Some(s));
        }
        js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).map(Some).ok_or_else(|| {
            to_js(invalid_option(format!("{}: options.{key} must be JSON text or a plain object", self.what)))
        })
    }
}

#[wasm_bindgen]
extern "C" {
    /// `TextEncoder`, with `encodeInto` taking a JS string and writing straight into wasm memory.
    #[wasm_bindgen(js_name = TextEncoder)]
    type Utf8Encoder;
    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> Utf8Encoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &Utf8Encoder, source: &js_sys::JsString, dest: &mut [u8]) -> EncodeIntoResult;

    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> f64;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> f64;
}

/// The UTF-8 of a JS string, encoded by `encodeInto` straight into a buffer of 1.5 bytes per UTF-16
/// unit. `JsValue::as_string` reserves 3 bytes per unit for the whole string (63 MB for a 21 MB
/// chat, and wasm memory never shrinks). Text that needs more than 1.5 bytes per unit (mostly CJK)
/// fills the buffer; the rest is then encoded into room for its worst case. One call on the whole
/// string is the fast case: in Chromium, `encodeInto` on slices of a 20 MB string took 34 ms
/// against 22 ms for one call.
fn string_bytes(s: &js_sys::JsString) -> Vec<u8> {
    let units = s.length() as usize;
    let encoder = Utf8Encoder::new();
    // `vec!` of zeros is a zeroed allocation: fresh wasm pages are not written twice.
    let mut buf: Vec<u8> = vec![0; units + units / 2 + 16];
    let (mut from, mut written) = (0usize, 0usize);
    while from < units {
        let Some(dest) = buf.get_mut(written..) else { break };
        let r = if from == 0 { encoder.encode_into(s, dest) } else { encoder.encode_into(&s.slice(from as u32, units as u32), dest) };
        let (read, wrote) = (r.read() as usize, r.written() as usize);
        from += read;
        written += wrote;
        if read == 0 && wrote == 0 && buf.len() >= written + 3 * (units - from) {
            break;
        }
        // Room for the worst case (3 bytes per unit) of what is left.
        let need = written + 3 * (units - from);
        if from < units && buf.len() < need {
            buf.resize(need, 0);
        }
    }
    buf.truncate(written);
    buf
}

fn input_bytes(input: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.dyn_ref::<js_sys::JsString>() {
        return Ok(string_bytes(s));
    }
    if let Some(a) = input.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec());
    }
    Err(to_js(invalid_option(format!("{what}: `input` must be a string or a Uint8Array"))))
}

/// Validates a JSON document (a string or UTF-8 bytes) and reports every problem with its JSON
/// pointer, line and column. Throws only when the options are invalid.
#[wasm_bindgen(js_name = validate, unchecked_return_type = "ValidationReport")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ValidateOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let o = JsOptions::new(options, "validate", &["kind", "metadata", "connection", "fields"])?;
    let opts = ValidateOptions {
        kind: o.required::<ValidationKind>("kind")?,
        metadata: o.json_text("metadata")?,
        connection: o.get::<ConnectionKind>("connection")?,
        fields: o.get::<Vec<FieldDecl>>("fields")?.unwrap_or_default(),
    };
    let bytes = input_bytes(&input, "validate")?;
    to_js_value(&validate_core(&bytes, &opts))
}

/// Converts a chat between SpeechSense, Vela and Labelbox. Problems in the input are reported in
/// the result; throws only when the options are invalid.
#[wasm_bindgen(js_name = convertChat, unchecked_return_type = "ConvertResult")]
pub fn convert_chat(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConvertOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let o = JsOptions::new(options, "convertChat", &["from", "to", "metadata", "orgId", "sessionId", "roles"])?;
    let opts = ConvertOptions {
        from: Some(o.required::<ChatFormat>("from")?),
        to: Some(o.required::<ChatFormat>("to")?),
        metadata: o.json_text("metadata")?,
        org_id: o.get::<String>("orgId")?,
        session_id: o.get::<String>("sessionId")?,
        roles: o.get::<BTreeMap<String, Role>>("roles")?.unwrap_or_default(),
    };
    let bytes = input_bytes(&input, "convertChat")?;
    to_js_value(&convert_core(&bytes, &opts))
}
