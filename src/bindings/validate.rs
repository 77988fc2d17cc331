//! `validate` and `convertChat`: the JS face of [`crate::validate`] and [`crate::formats::convert`].
//!
//! Bad *input* never throws: it comes back as issues in the report. Only bad *options* throw, as an
//! `UploadError` with code `invalid_options` and a message naming the option.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::error::{invalid_option, to_js};
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
/** One problem. line/column are 1-based; column counts UTF-16 code units; null when the issue has no place in the input. */
export interface Issue { code: string; message: string; path: string; line: number | null; column: number | null }
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

/// Metadata given as JSON text or as an object.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonOrText {
    Text(String),
    Value(serde_json::Value),
}

impl JsonOrText {
    fn into_text(self) -> String {
        match self {
            JsonOrText::Text(s) => s,
            JsonOrText::Value(v) => v.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsValidateOptions {
    kind: ValidationKind,
    #[serde(default)]
    metadata: Option<JsonOrText>,
    #[serde(default)]
    connection: Option<ConnectionKind>,
    #[serde(default)]
    fields: Vec<FieldDecl>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsConvertOptions {
    from: ChatFormat,
    to: ChatFormat,
    #[serde(default)]
    metadata: Option<JsonOrText>,
    #[serde(default)]
    org_id: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, Role>,
}

fn options<T: for<'de> Deserialize<'de>>(value: JsValue, what: &str, allowed: &[&str]) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Err(to_js(invalid_option(format!("{what}: the options object is required"))));
    }
    // serde-wasm-bindgen reads only the fields it knows, so `deny_unknown_fields` never fires:
    // check the names here, or a typo such as `Kind` or `conection` would be silently ignored.
    if let Some(obj) = value.dyn_ref::<js_sys::Object>() {
        for key in js_sys::Object::keys(obj).iter().filter_map(|k| k.as_string()) {
            if !allowed.contains(&key.as_str()) {
                let hint = crate::validate::check::suggest(&key, allowed, "options");
                return Err(to_js(invalid_option(format!("{what}: unknown option `{key}`{hint}"))));
            }
        }
    }
    let de = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        // serde-wasm-bindgen renders its errors as JS errors ("Error: ..."); keep the message only.
        let inner = e.inner().to_string();
        let inner = inner.strip_prefix("Error: ").unwrap_or(&inner);
        let place = if path == "." { "options".to_owned() } else { format!("options.{path}") };
        to_js(invalid_option(format!("{what}: {place}: {inner}")))
    })
}

fn input_bytes(input: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(a) = input.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec());
    }
    Err(to_js(invalid_option(format!("{what}: `input` must be a string or a Uint8Array"))))
}

fn to_value<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

/// Validates a JSON document (a string or UTF-8 bytes) and reports every problem with its JSON
/// pointer, line and column. Throws only when the options are invalid.
#[wasm_bindgen(js_name = validate, unchecked_return_type = "ValidationReport")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ValidateOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let o: JsValidateOptions = self::options(options, "validate", &["kind", "metadata", "connection", "fields"])?;
    let bytes = input_bytes(&input, "validate")?;
    let opts = ValidateOptions { kind: o.kind, metadata: o.metadata.map(JsonOrText::into_text), connection: o.connection, fields: o.fields };
    to_value(&validate_core(&bytes, &opts))
}

/// Converts a chat between SpeechSense, Vela and Labelbox. Problems in the input are reported in
/// the result; throws only when the options are invalid.
#[wasm_bindgen(js_name = convertChat, unchecked_return_type = "ConvertResult")]
pub fn convert_chat(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConvertOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let o: JsConvertOptions =
        self::options(options, "convertChat", &["from", "to", "metadata", "orgId", "sessionId", "roles"])?;
    let bytes = input_bytes(&input, "convertChat")?;
    let opts = ConvertOptions {
        from: Some(o.from),
        to: Some(o.to),
        metadata: o.metadata.map(JsonOrText::into_text),
        org_id: o.org_id,
        session_id: o.session_id,
        roles: o.roles,
    };
    to_value(&convert_core(&bytes, &opts))
}
