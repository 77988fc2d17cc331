//! `uploadAudio` and `uploadText`: SpeechSense over grpc-web.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use js_sys::{Array, Object};
use prost::Message as _;
use wasm_bindgen::prelude::*;

use super::audio::{as_blob, info_to_js, sniff_blob};
use super::error::{invalid_option, to_js};
use super::put;
use super::options::{ensure_not_aborted, json_text, names, Opts};
use crate::audio::{check_for_upload, choose_method_auto, Method};
use crate::chunk::DEFAULT_CHUNK_SIZE;
use crate::grpc_web::{plan_stream_body, plan_total_len, plan_upload_body};
use crate::proto::speechsense::{
    message::Payload, talk_service_client::TalkServiceClient, Message, TalkMetadata, TextContent, TextPayload,
    UploadBadgeResponse, UploadTalkResponse, UploadTextRequest,
};
use crate::proto::yandex::cloud::operation::{operation, Operation};
use crate::retry::{self, Failure};
use crate::validate::{validate, Report, ValidateOptions, ValidationKind};
use crate::web::attempts::AttemptError;
use crate::web::blob::body_blob;
use crate::web::endpoint::check_endpoint;
use crate::web::failure::UploadFailure;
use crate::web::grpc::{call_unary, GrpcWebCall};
use crate::web::progress::Phase;
use crate::web::redact::redact;
use crate::web::timer::AbortListener;

/// Uploads an audio file to SpeechSense: `Upload`, `UploadAsStream` or `UploadBadge`.
///
/// The body is a `Blob` of computed frame headers and `file.slice()`s, sent by one XHR; the
/// audio never enters wasm or JS memory. The file is sniffed and checked first, so audio the
/// service would refuse fails before its first byte.
#[wasm_bindgen(js_name = uploadAudio, unchecked_return_type = "UploadAudioResult")]
pub async fn upload_audio(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Record<string, string>")] metadata: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadAudioOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    upload_audio_impl(file, metadata, options).await.map_err(to_js)
}

async fn upload_audio_impl(file: JsValue, metadata: JsValue, options: JsValue) -> Result<JsValue, UploadFailure> {
    let file = as_blob(&file, "file")?;
    let size = super::audio::blob_size(&file)?;
    let opts = Opts::new(&options, "options", false)?.only(&names::UPLOAD_AUDIO)?;
    let endpoint = check_endpoint("endpoint", &opts.required_string("endpoint")?)?;
    let (authorization, secret) = opts.speechsense_auth()?;
    let connection_id = opts.required_string("connectionId")?;
    let method_name = opts.string("method")?.unwrap_or_else(|| "auto".to_owned());
    let explicit = match method_name.as_str() {
        "auto" => None,
        other => Some(Method::from_js_name(other).ok_or_else(|| {
            invalid_option(format!(
                "options.method is {other:?}; use \"auto\", \"upload\", \"uploadAsStream\" or \"uploadBadge\""
            ))
        })?),
    };
    let chunk_size = opts.u64("chunkSize")?.unwrap_or(DEFAULT_CHUNK_SIZE);
    let attempts = opts.attempts(size, false)?;
    ensure_not_aborted(&attempts)?;
    attempts.reporter.phase(Phase::Validating);

    let fields = metadata_fields(&metadata)?;
    let info = sniff_blob(&file).await?;
    let chosen = explicit.unwrap_or_else(|| choose_method_auto(size, info.container));
    check_for_upload(&info, size, chosen).map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
    ensure_not_aborted(&attempts)?;

    let talk_metadata = TalkMetadata { connection_id, fields, users: Vec::new() };
    let container = info.container.proto_type();
    let plan = if chosen.is_streaming() {
        plan_stream_body(&talk_metadata, container, size, chunk_size)
    } else {
        plan_upload_body(&talk_metadata, container, size)
    }
    .map_err(|e| UploadFailure::from_coded(e.code(), &e))?;
    debug_assert!(plan_total_len(&plan) > size);
    let body = body_blob(&plan, &file)
        .map_err(|e| UploadFailure::new("file_unreadable", "the request body could not be assembled from the file").with_cause(e))?;

    let secrets = [secret.as_str()];
    let call = GrpcWebCall {
        endpoint: &endpoint,
        path: chosen.grpc_path(),
        authorization: &authorization,
        body: &body,
        secrets: &secrets,
    };
    let result = Object::new();
    if chosen == Method::UploadBadge {
        let op: Operation = call_unary(&call, &attempts).await?;
        let badge = badge_response(&op)?;
        let talk_ids = Array::new();
        for id in &badge.talk_ids {
            talk_ids.push(&JsValue::from_str(id));
        }
        put(&result, "talkId", badge.talk_ids.first().map(String::as_str).unwrap_or("").into());
        put(&result, "badgeId", if badge.badge_id.is_empty() { op.id.as_str() } else { badge.badge_id.as_str() }.into());
        put(&result, "talkIds", talk_ids.into());
    } else {
        let response: UploadTalkResponse = call_unary(&call, &attempts).await?;
        put(&result, "talkId", response.talk_id.as_str().into());
    }
    put(&result, "method", chosen.js_name().into());
    put(&result, "attempts", attempts.reporter.attempts().into());
    put(&result, "audio", info_to_js(&info));
    attempts.reporter.phase(Phase::Done);
    Ok(result.into())
}

/// The `UploadBadgeResponse` inside a finished operation.
fn badge_response(op: &Operation) -> Result<UploadBadgeResponse, UploadFailure> {
    match &op.result {
        Some(operation::Result::Response(any)) => UploadBadgeResponse::decode(any.value.as_slice()).map_err(|e| {
            UploadFailure::new("invalid_response_message", format!("the UploadBadge operation's response could not be decoded: {e}"))
        }),
        Some(operation::Result::Error(status)) => Err(UploadFailure::new(
            "operation_failed",
            format!("the UploadBadge operation {} failed with status {}: {}", op.id, status.code, status.message),
        )
        .with_grpc(status.code.max(0) as u32)),
        // Not finished yet: the badge id is the operation id; talks appear later.
        None => Ok(UploadBadgeResponse { badge_id: op.id.clone(), talk_ids: Vec::new() }),
    }
}

/// Validates SpeechSense metadata and returns its fields.
fn metadata_fields(metadata: &JsValue) -> Result<BTreeMap<String, String>, UploadFailure> {
    let text = json_text(metadata, "metadata")?;
    let report = validate(text.as_bytes(), &ValidateOptions::new(ValidationKind::SpeechsenseMetadata));
    if !report.ok {
        return Err(validation_failure("metadata", &[&report]));
    }
    crate::formats::speechsense::read_fields(text.as_bytes())
        .map(|m| m.into_iter().collect())
        .ok_or_else(|| invalid_option("metadata must be a JSON object of string values"))
}

/// A `validation_failed` failure carrying every error of `reports` as `issues`.
pub(crate) fn validation_failure(what: &str, reports: &[&Report]) -> UploadFailure {
    let issues: Vec<_> = reports.iter().flat_map(|r| r.errors.iter()).collect();
    let first = issues.first().map(|i| format!(": {} at {}", i.message, if i.path.is_empty() { "/" } else { &i.path })).unwrap_or_default();
    let mut f = UploadFailure::new(
        "validation_failed",
        format!("the {what} has {} error(s), nothing was sent{first}; see error.issues for all of them", issues.len()),
    );
    f.issues = super::json::to_js_value(&issues).ok();
    f
}

/// Uploads a chat to SpeechSense with `UploadText`, after validating it.
#[wasm_bindgen(js_name = uploadText, unchecked_return_type = "UploadTextResult")]
pub async fn upload_text(
    #[wasm_bindgen(unchecked_param_type = "string | SpeechSenseChat")] chat: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Record<string, string>")] metadata: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadTextOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    upload_text_impl(chat, metadata, options).await.map_err(to_js)
}

async fn upload_text_impl(chat: JsValue, metadata: JsValue, options: JsValue) -> Result<JsValue, UploadFailure> {
    let opts = Opts::new(&options, "options", false)?.only(&names::UPLOAD_TEXT)?;
    let endpoint = check_endpoint("endpoint", &opts.required_string("endpoint")?)?;
    let (authorization, secret) = opts.speechsense_auth()?;
    let connection_id = opts.required_string("connectionId")?;
    let chat = json_text(&chat, "chat")?;
    let metadata = json_text(&metadata, "metadata")?;
    let attempts = opts.attempts(chat.len() as u64, false)?;
    ensure_not_aborted(&attempts)?;
    attempts.reporter.phase(Phase::Validating);

    let prepared = crate::formats::speechsense::prepare_chat_upload(chat.as_bytes(), metadata.as_bytes(), &[])
        .map_err(|e| validation_failure("chat or its metadata", &[&e.chat, &e.metadata]))?;
    let request = UploadTextRequest {
        talk_id: String::new(),
        metadata: Some(TalkMetadata { connection_id, fields: prepared.fields.into_iter().collect(), users: Vec::new() }),
        text_content: Some(TextContent {
            messages: prepared
                .messages
                .into_iter()
                .map(|m| Message {
                    user_id: m.user_id,
                    timestamp: Some(prost_types::Timestamp { seconds: m.timestamp.seconds, nanos: m.timestamp.nanos }),
                    payload: Some(Payload::Text(TextPayload { text: m.text })),
                })
                .collect(),
        }),
    };
    let auth_value: tonic::metadata::MetadataValue<tonic::metadata::Ascii> = authorization
        .parse()
        .map_err(|_| invalid_option("options.apiKey / options.iamToken must contain only printable ASCII characters"))?;
    let total = request.encoded_len() as f64;
    let secrets = [secret.as_str()];

    let response = attempts
        .run(|_info| {
            let mut req = tonic::Request::new(request.clone());
            req.metadata_mut().insert("authorization", auth_value.clone());
            let endpoint = endpoint.clone();
            let endpoint_for_errors = endpoint.clone();
            let attempts = &attempts;
            let secrets = &secrets;
            async move {
                attempts.reporter.sent(0.0, total);
                let mut client = TalkServiceClient::new(tonic_web_wasm_client::Client::new(endpoint));
                let call = client.upload_text(req);
                match abortable(call, attempts.signal.as_ref()).await {
                    None => Err(AttemptError {
                        phase: retry::Phase::Sending,
                        failure: Failure::Aborted,
                        error: UploadFailure::aborted(),
                    }),
                    Some(Ok(r)) => Ok(r.into_inner()),
                    Some(Err(status)) => Err(status_error(&status, secrets, &endpoint_for_errors)),
                }
            }
        })
        .await?;
    let result = Object::new();
    put(&result, "talkId", response.talk_id.as_str().into());
    put(&result, "attempts", attempts.reporter.attempts().into());
    attempts.reporter.phase(Phase::Done);
    Ok(result.into())
}

/// The tonic-web-wasm-client error behind a status, when the call failed below gRPC.
fn transport_error(status: &tonic::Status) -> Option<&tonic_web_wasm_client::Error> {
    let mut source = std::error::Error::source(status);
    while let Some(e) = source {
        if let Some(t) = e.downcast_ref::<tonic_web_wasm_client::Error>() {
            return Some(t);
        }
        source = e.source();
    }
    None
}

/// A tonic status as an attempt error. The phase is `Waiting`: a failure of the small unary call
/// cannot tell whether the request was read, so only a service verdict is retried.
fn status_error(status: &tonic::Status, secrets: &[&str], endpoint: &str) -> AttemptError {
    match transport_error(status) {
        // fetch() rejected: refused, reset, DNS, CORS. Nothing says whether the chat arrived, so
        // it is not retried, and the message says both what to check and what may have happened.
        Some(tonic_web_wasm_client::Error::JsError(js)) => {
            return AttemptError {
                phase: retry::Phase::Waiting,
                failure: Failure::Other,
                error: UploadFailure::new(
                    "network_error",
                    format!(
                        "could not reach SpeechSense at {endpoint} ({}): check that the endpoint is right and \
                         running and that it allows this page's origin (CORS). If the connection broke after the \
                         chat was sent, it may have been stored: check before sending it again",
                        redact(js, secrets)
                    ),
                ),
            };
        }
        Some(tonic_web_wasm_client::Error::TonicStatusError(_)) | None => {}
        Some(other) => {
            return AttemptError {
                phase: retry::Phase::Waiting,
                failure: Failure::Other,
                error: UploadFailure::new(
                    "invalid_response",
                    format!(
                        "{endpoint} answered, but not as a grpc-web server ({}); `endpoint` must be the base URL \
                         of a grpc-web proxy or server for TalkService",
                        redact(&other.to_string(), secrets)
                    ),
                ),
            };
        }
    }
    let code = crate::grpc_web::GrpcCode::from_u32(status.code() as u32);
    let message = redact(status.message(), secrets);
    AttemptError {
        phase: retry::Phase::Waiting,
        failure: Failure::Grpc { code },
        error: UploadFailure::new(
            code.name().to_ascii_lowercase(),
            format!("SpeechSense answered {}{}{}", code.name(), if message.is_empty() { "" } else { ": " }, message),
        )
        .with_grpc(code.as_u32()),
    }
}

/// Runs `fut` until it completes (`Some`) or `signal` aborts (`None`; `fut` is dropped, which
/// aborts its fetch through tonic-web-wasm-client's own guard).
async fn abortable<F: Future>(fut: F, signal: Option<&web_sys::AbortSignal>) -> Option<F::Output> {
    let Some(signal) = signal else { return Some(fut.await) };
    let aborted = std::rc::Rc::new(std::cell::Cell::new(false));
    let waker_slot: std::rc::Rc<std::cell::RefCell<Option<std::task::Waker>>> = Default::default();
    let (a, w) = (aborted.clone(), waker_slot.clone());
    let _listener = AbortListener::new(signal, move || {
        a.set(true);
        if let Some(waker) = w.borrow_mut().take() {
            waker.wake();
        }
    });
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        if aborted.get() || signal.aborted() {
            return Poll::Ready(None);
        }
        *waker_slot.borrow_mut() = Some(cx.waker().clone());
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}
