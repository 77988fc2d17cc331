//! `uploadAudio` and `uploadText`: SpeechSense over grpc-web.

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::Blob;

use super::audio::{as_blob, info_to_js, sniff_blob};
use super::error::{invalid_option, promise};
use super::put;
use super::options::{ensure_not_aborted, json_text, names, Opts};
use crate::audio::{check_for_upload, choose_method_auto, Method};
use crate::chunk::DEFAULT_CHUNK_SIZE;
use crate::grpc_web::message::{decode_badge_response, decode_talk_id, upload_text_frame, BadgeResponse, Metadata};
use crate::grpc_web::{plan_stream_body, plan_total_len, plan_upload_body};
use crate::grpc_web::operation::{operation, Operation};
use crate::prepare::speechsense::MetadataFields;
use crate::upload_code::UploadCode;
use crate::validate::Report;
use crate::web::blob::body_blob;
use crate::web::credential::Credential;
use crate::web::endpoint::check_endpoint;
use crate::web::engine::Credentials as _;
use crate::web::failure::UploadFailure;
use crate::web::grpc::{call_unary, GrpcWebCall};
use crate::web::progress::Phase;

/// `UploadText`'s grpc-web path.
const UPLOAD_TEXT_PATH: &str = "/yandex.cloud.speechsense.v1.TalkService/UploadText";

/// What `outcome_unknown` tells the user to check.
const CHECK_TALK: &str = "SpeechSense for this talk";

/// The options both SpeechSense uploads read first, in this order: `endpoint`, the credential
/// (exactly one of `apiKey`, `iamToken`, `ticket`; `signal` is read first), `connectionId`.
fn speechsense_target(opts: &Opts) -> Result<(String, Credential, String), UploadFailure> {
    let endpoint = check_endpoint("endpoint", &opts.required_string("endpoint")?)?;
    let credential = Credential::read("options", names::SPEECHSENSE_CREDENTIALS, &|k| opts.get(k), opts.signal()?)?;
    let connection_id = opts.required_string("connectionId")?;
    Ok((endpoint, credential, connection_id))
}


/// Uploads an audio file to SpeechSense: `Upload`, `UploadAsStream` or `UploadBadge`.
///
/// The body is a `Blob` of computed frame headers and `file.slice()`s, sent by one XHR; the
/// audio never enters wasm or JS memory. The file is sniffed and checked first, so audio the
/// service would refuse fails before its first byte.
#[wasm_bindgen(js_name = uploadAudio, unchecked_return_type = "Promise<UploadAudioResult>")]
pub fn upload_audio(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Record<string, string>")] metadata: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadAudioOptions")] options: JsValue,
) -> js_sys::Promise {
    promise(Box::pin(upload_audio_impl(file, metadata, options)))
}

async fn upload_audio_impl(file: JsValue, metadata: JsValue, options: JsValue) -> Result<JsValue, UploadFailure> {
    let file = as_blob(&file, "file")?;
    let size = super::audio::blob_size(&file)?;
    let opts = Opts::read(&options, &names::UPLOAD_AUDIO)?;
    let (endpoint, credential, connection_id) = speechsense_target(&opts)?;
    let explicit = super::audio::read_method(&opts)?.flatten();
    let chunk_size = opts.u64("chunkSize")?.unwrap_or(DEFAULT_CHUNK_SIZE);
    let attempts = opts.attempts(size, false)?;

    let fields = metadata_fields(&metadata)?;
    let info = sniff_blob(&file).await?;
    let chosen = explicit.unwrap_or_else(|| choose_method_auto(size, info.container));
    check_for_upload(&info, size, chosen).map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
    ensure_not_aborted(&attempts)?;

    let talk_metadata = Metadata { connection_id: &connection_id, fields: &fields };
    let container = info.container.proto_type();
    let plan = if chosen.is_streaming() {
        plan_stream_body(&talk_metadata, container, size, chunk_size)
    } else {
        plan_upload_body(&talk_metadata, container, size)
    }
    .map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
    debug_assert!(plan_total_len(&plan) > size);
    let body = body_blob(&plan, &file)
        .map_err(|e| UploadFailure::new(UploadCode::FileUnreadable, "the request body could not be assembled from the file").with_cause(e))?;

    let body: JsValue = body.into();
    let call = GrpcWebCall { endpoint: &endpoint, path: chosen.grpc_path(), body: &body };
    let (stack, plan) = (attempts.stack(), attempts.plan(credential.refreshable(), CHECK_TALK));
    let answer = call_unary(&stack, &call, &credential, &plan).await?;
    let result = Object::new();
    if chosen == Method::UploadBadge {
        let op = answer.decode(Operation::decode)?;
        let badge = badge_response(&op)?;
        let talk_ids = Array::new();
        for id in &badge.talk_ids {
            talk_ids.push(&JsValue::from_str(id));
        }
        put(&result, "talkId", badge.talk_ids.first().map(String::as_str).unwrap_or("").into());
        put(&result, "badgeId", if badge.badge_id.is_empty() { op.id.as_str() } else { badge.badge_id.as_str() }.into());
        put(&result, "talkIds", talk_ids.into());
    } else {
        let talk_id = answer.decode(decode_talk_id)?;
        put(&result, "talkId", talk_id.as_str().into());
    }
    put(&result, "method", chosen.js_name().into());
    put(&result, "attempts", attempts.reporter.attempts().into());
    put(&result, "audio", info_to_js(&info));
    attempts.reporter.phase(Phase::Done);
    Ok(result.into())
}

/// The `UploadBadgeResponse` inside a finished operation.
fn badge_response(op: &Operation) -> Result<BadgeResponse, UploadFailure> {
    match &op.result {
        Some(operation::Result::Response(any)) => decode_badge_response(&any.value).map_err(|e| {
            UploadFailure::new(UploadCode::InvalidResponseMessage, format!("the UploadBadge operation's response could not be decoded: {e}"))
        }),
        Some(operation::Result::Error(status)) => Err(UploadFailure::new(
            UploadCode::OperationFailed,
            format!("the UploadBadge operation {} failed with status {}: {}", op.id, status.code, status.message),
        )
        .with_grpc(status.code.max(0) as u32)),
        // Not finished yet: the badge id is the operation id; talks appear later.
        None => Ok(BadgeResponse { badge_id: op.id.clone(), talk_ids: Vec::new() }),
    }
}

/// Validates SpeechSense metadata and returns its fields.
fn metadata_fields(metadata: &JsValue) -> Result<MetadataFields, UploadFailure> {
    let text = json_text(metadata, "metadata")?;
    // One parse for the check and the fields.
    crate::prepare::speechsense::prepare_metadata(text.as_bytes()).map_err(|report| match report.ok {
        false => validation_failure("metadata", &[&report]),
        true => invalid_option("metadata must be a JSON object of string values"),
    })
}

/// A `validation_failed` failure carrying every error of `reports` as `issues`.
pub(crate) fn validation_failure(what: &str, reports: &[&Report]) -> UploadFailure {
    let mut issues = Vec::new();
    for r in reports {
        issues.extend(r.errors.iter());
    }
    let first = issues.first().map(|i| format!(": {} at {}", i.message, if i.path.is_empty() { "/" } else { &i.path })).unwrap_or_default();
    let mut f = UploadFailure::new(
        UploadCode::ValidationFailed,
        format!("the {what} has {} error(s), nothing was sent{first}; see error.issues for all of them", issues.len()),
    );
    f.issues = Some(super::json::issues_js(issues));
    f
}

/// Uploads a chat to SpeechSense with `UploadText`, after validating it.
#[wasm_bindgen(js_name = uploadText, unchecked_return_type = "Promise<UploadTextResult>")]
pub fn upload_text(
    #[wasm_bindgen(unchecked_param_type = "string | SpeechSenseChat")] chat: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Record<string, string>")] metadata: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadTextOptions")] options: JsValue,
) -> js_sys::Promise {
    promise(Box::pin(upload_text_impl(chat, metadata, options)))
}

async fn upload_text_impl(chat: JsValue, metadata: JsValue, options: JsValue) -> Result<JsValue, UploadFailure> {
    let opts = Opts::read(&options, &names::UPLOAD_TEXT)?;
    let (endpoint, credential, connection_id) = speechsense_target(&opts)?;
    let chat = json_text(&chat, "chat")?;
    let metadata = json_text(&metadata, "metadata")?;
    let attempts = opts.attempts(chat.len() as u64, false)?;

    let prepared = crate::prepare::speechsense::prepare_chat_upload(chat.as_bytes(), metadata.as_bytes(), &[])
        .map_err(|e| validation_failure("chat or its metadata", &[&e.chat, &e.metadata]))?;
    // One unary grpc-web frame, sent like the audio uploads: progress, stall timer, retries
    // (never after the whole chat went out without a verdict: that is `outcome_unknown`).
    let metadata = Metadata { connection_id: &connection_id, fields: &prepared.fields };
    let frame = upload_text_frame(&metadata, &prepared.messages).map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
    let pieces = Array::of1(&Uint8Array::from(frame.as_slice()));
    let body: JsValue = Blob::new_with_u8_array_sequence(&pieces)
        .map_err(|e| UploadFailure::new(UploadCode::InvalidRequest, "the request body could not be assembled").with_cause(e))?
        .into();
    let call = GrpcWebCall { endpoint: &endpoint, path: UPLOAD_TEXT_PATH, body: &body };
    let (stack, plan) = (attempts.stack(), attempts.plan(credential.refreshable(), CHECK_TALK));
    let talk_id = call_unary(&stack, &call, &credential, &plan).await?.decode(decode_talk_id)?;
    let result = Object::new();
    put(&result, "talkId", talk_id.as_str().into());
    put(&result, "attempts", attempts.reporter.attempts().into());
    attempts.reporter.phase(Phase::Done);
    Ok(result.into())
}
