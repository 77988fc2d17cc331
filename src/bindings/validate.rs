//! `validate` and `convertChat`: the JS face of [`crate::validate`] and [`crate::convert`].
//!
//! Bad *input* never throws: it comes back as issues in the report. Only bad *options* throw, as an
//! `UploadError` with code `invalid_options` and a message naming the option.

use wasm_bindgen::prelude::*;

use super::error::{invalid_option, to_js};
use super::js;
use super::json::{convert_js, report_js};
use super::options::{names, Opts};
use crate::convert::{convert_chat as convert_core, ChatFormat, ConvertOptions, Role, Roles};
use crate::formats::speechsense::ConnectionKind;
use crate::json::MAX_INPUT_BYTES;
use crate::validate::{too_large_report, validate as validate_core, ValidateOptions, ValidationKind};

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
  /** The most issues the report lists, 1 to 100000 (default 1000); past it `truncated` is true and the last issue is `too_many_issues`. */
  maxIssues?: number;
  /** For labelbox-import: accept loopback `http://` row URLs (tests against a local server). Off by default. */
  allowLoopbackHttp?: boolean;
}
/** Every issue code; docs/validation.md says what each means. */
export type IssueCode =
  | "empty_input"
  | "invalid_utf8"
  | "input_too_large"
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
  | "missing_option"
  | "too_many_issues"
  | "not_a_zip"
  | "zip_too_large"
  | "zip_corrupt"
  | "zip_unsupported"
  | "zip_encrypted_entry"
  | "zip_unsafe_name"
  | "zip_duplicate_name"
  | "zip_no_data_entries"
  | "csv_no_header"
  | "csv_header_name"
  | "csv_column_count"
  | "csv_unterminated_quote"
  | "csv_stray_quote"
  | "csv_blank_line"
  | "shown_literally"
  | "global_key_too_long"
  | "html_decoded";
/** One problem. line/column are 1-based; column counts UTF-16 code units; null when the issue has no place in the input. */
export interface Issue { code: IssueCode; message: string; path: string; line: number | null; column: number | null }
/** Counts about the input. */
export interface ValidationStats { bytes: number; values: number; items: number; maxDepth: number }
/** The result of `validate`. */
export interface ValidationReport { ok: boolean; errors: Issue[]; warnings: Issue[]; stats: ValidationStats; truncated: boolean }
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
  /** The most issues the result lists, 1 to 100000 (default 1000). */
  maxIssues?: number;
}
/** The result of `convertChat`. `metadata` is the SpeechSense metadata.json text when `to` is "speechsense". */
export interface ConvertResult { ok: boolean; output: string; metadata: string | null; errors: Issue[]; warnings: Issue[]; truncated: boolean }
"#;

/// The chat formats, as `convertChat` names them.
const FORMATS: [ChatFormat; 3] = [ChatFormat::Speechsense, ChatFormat::Vela, ChatFormat::Labelbox];

fn format_name(f: ChatFormat) -> &'static str {
    match f {
        ChatFormat::Speechsense => "speechsense",
        ChatFormat::Vela => "vela",
        ChatFormat::Labelbox => "labelbox",
    }
}
/// The roles, as `convertChat`'s `roles` names them.
const ROLES: [Role; 3] = [Role::Agent, Role::Customer, Role::Bot];
/// The connection kinds, as `validate`'s `connection` names them.
const CONNECTIONS: [ConnectionKind; 3] = [ConnectionKind::Chat, ConnectionKind::AudioOneChannel, ConnectionKind::AudioTwoChannel];

/// The input's UTF-8 bytes, or `Err(at least this many bytes)` when it is over
/// [`MAX_INPUT_BYTES`], which is found before anything is copied into wasm memory.
fn input_bytes(input: &JsValue, what: &str) -> Result<Result<Vec<u8>, u64>, JsValue> {
    if let Some(s) = input.dyn_ref::<js_sys::JsString>() {
        return Ok(js::utf8(s, MAX_INPUT_BYTES).ok_or(s.length() as u64));
    }
    if js::is_u8_array(input) {
        // The native length: an own `length` getter can neither throw nor lie here. A Proxy
        // fails the copy below with invalid_options.
        let len = js::u8_array_len(input).unwrap_or(0.0);
        if len > MAX_INPUT_BYTES as f64 {
            return Ok(Err(len as u64));
        }
        // Copied by the native setter: a Proxy posing as a Uint8Array, an own `length` getter or a
        // detached buffer cannot throw through wasm.
        return js::u8_array_bytes(input).map(Ok).map_err(|e| {
            let f = invalid_option(format!("{what}: `input` could not be read as a Uint8Array (a Proxy or a detached buffer?)"));
            to_js(match e {
                js::ReadError::Threw(c) => f.with_cause(c),
                js::ReadError::Wrong => f,
            })
        });
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
    let mut opts = ValidateOptions::new(ValidationKind::SpeechsenseChat);
    validate_options(&options, &mut opts).map_err(to_js)?;
    // One report, one conversion to JS.
    let report = match input_bytes(&input, "validate")? {
        Ok(bytes) => validate_core(&bytes, &opts),
        Err(len) => too_large_report(len),
    };
    Ok(report_js(&report))
}

/// Converts a chat between SpeechSense, Vela and Labelbox. Problems in the input are reported in
/// the result; throws only when the options are invalid.
#[wasm_bindgen(js_name = convertChat, unchecked_return_type = "ConvertResult")]
pub fn convert_chat(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConvertOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let mut opts = ConvertOptions::default();
    convert_options(&options, &mut opts).map_err(to_js)?;
    let r = match input_bytes(&input, "convertChat")? {
        Ok(bytes) => convert_core(&bytes, &opts),
        Err(len) => crate::convert::ConvertResult { errors: too_large_report(len).errors, ..Default::default() },
    };
    Ok(convert_js(&r))
}

/// `validate`'s options, read into `opts` in place, in this order (a returned `ValidateOptions`
/// is copied at each `?`). The options object is read here too: one `map_err(to_js)` instance
/// for both readers, not one more for `Result<Opts, _>`.
fn validate_options(options: &JsValue, opts: &mut ValidateOptions) -> Result<(), crate::web::failure::UploadFailure> {
    let o = Opts::read(options, &names::VALIDATE)?;
    opts.kind = o.required_one_of("kind", (&ValidationKind::ALL, ValidationKind::as_str))?;
    opts.metadata = o.json_text("metadata")?;
    opts.connection = o.one_of("connection", (&CONNECTIONS, ConnectionKind::as_str))?;
    opts.fields = o.fields()?;
    opts.max_issues = o.max_issues()?;
    opts.allow_loopback_http = o.bool("allowLoopbackHttp")?.unwrap_or(false);
    Ok(())
}

/// `convertChat`'s options, read into `opts` in place (a returned `ConvertOptions` is copied at
/// each `?`).
fn convert_options(options: &JsValue, opts: &mut ConvertOptions) -> Result<(), crate::web::failure::UploadFailure> {
    let o = Opts::read(options, &names::CONVERT_CHAT)?;
    opts.from = Some(o.required_one_of("from", (&FORMATS, format_name))?);
    opts.to = Some(o.required_one_of("to", (&FORMATS, format_name))?);
    opts.metadata = o.json_text("metadata")?;
    opts.org_id = o.string("orgId")?;
    opts.session_id = o.string("sessionId")?;
    let roles: &mut Roles = &mut opts.roles;
    // Over `iter_mut`, each name taken: a by-value loop linked a `vec::IntoIter` (and its drop).
    for (k, v) in o.map_of("roles", (&ROLES, Role::as_str))?.iter_mut() {
        roles.insert(std::mem::take(k), *v);
    }
    opts.max_issues = o.max_issues()?;
    Ok(())
}
