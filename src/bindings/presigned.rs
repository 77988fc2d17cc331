//! `presignedUpload`, `uploadVelaCall` and `uploadVelaChat`: S3 presigned POST and the Vela API.

use std::rc::Rc;

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, FormData};

use super::audio::as_blob;
use super::error::{invalid_option, promise};
use super::put;
use super::options::{json_text, names, read_presign, Opts};
use crate::grpc_web::response::find_metadata;
use crate::retry::{self, Failure};
use crate::s3_post::{assemble_form, parse_s3_error, precheck, FormEntry, Presign, PresignError};
use crate::upload_code::UploadCode;
use crate::validate::{validate, ValidateOptions, ValidationKind};
use crate::web::attempts::Attempts;
use crate::web::credential::Credential;
use crate::web::endpoint::check_endpoint;
use crate::web::engine::{self, phase_of, transport_error, AttemptError, Credentials as _, Plan, Silent, ToProgress};
use crate::web::failure::UploadFailure;
use crate::web::grpc::retry_after;
use crate::web::progress::Phase;
use crate::redact::redact;
use crate::web::transport::{Exchange, HttpStack as _, Outcome, Request, Response};
use crate::web::vela::{self, json_string, origin, string_member, VelaRequest};

fn vela_credential(opts: &Opts) -> Result<Credential, UploadFailure> {
    Credential::read("options", names::VELA_CREDENTIALS, &|k| opts.get(k), opts.signal()?)
}

/// Where a presign comes from.
pub(crate) enum PresignSource {
    /// `{url, fields}` given once: cannot be refreshed.
    Static(Presign),
    /// `async () => ({url, fields})`.
    Function(Function),
    /// The Vela presign endpoint.
    Vela(VelaCall),
}

pub(crate) struct VelaCall {
    api_base: String,
    credential: Credential,
    body: String,
}

/// Uploads a file through a presigned S3 POST: the fields in order, then `file` last.
#[wasm_bindgen(js_name = presignedUpload, unchecked_return_type = "Promise<PresignedUploadResult>")]
pub fn presigned_upload(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PresignedUploadOptions")] options: JsValue,
) -> js_sys::Promise {
    promise(Box::pin(async move {
        let file = as_blob(&file, "file")?;
        let opts = Opts::read(&options, &names::PRESIGNED_UPLOAD)?;
        let source = presign_option(&opts)?;
        upload_with(&file, &opts, source).await
    }))
}

/// `options.presign`: `{url, fields}` given once, or a function returning one (of
/// `presignedUpload` and `uploadVelaBatch`).
pub(crate) fn presign_option(opts: &Opts) -> Result<PresignSource, UploadFailure> {
    match opts.get("presign") {
        Some(f) if f.is_function() => Ok(PresignSource::Function(f.unchecked_into())),
        Some(p) => Ok(PresignSource::Static(read_presign(&p, "options.presign")?)),
        None => Err(invalid_option("options.presign is required: {url, fields} or an async function returning one")),
    }
}

/// Uploads a call recording to Vela: asks the presign endpoint, then POSTs to S3.
#[wasm_bindgen(js_name = uploadVelaCall, unchecked_return_type = "Promise<PresignedUploadResult>")]
pub fn upload_vela_call(
    #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadVelaCallOptions")] options: JsValue,
) -> js_sys::Promise {
    promise(Box::pin(async move {
        let file = as_blob(&file, "file")?;
        let opts = Opts::read(&options, &names::UPLOAD_VELA_CALL)?;
        let api_base = check_endpoint("apiBase", &opts.required_string("apiBase")?)?;
        let credential = vela_credential(&opts)?;
        let (org, email, date) = (opts.required_string("orgId")?, opts.required_string("email")?, opts.required_string("dateOfCall")?);
        let body = format!(
            r#"{{"org_id":{},"metadata":{{"email":{},"date_of_call":{}}}}}"#,
            json_string(&org),
            json_string(&email),
            json_string(&date)
        );
        let report = validate(body.as_bytes(), &ValidateOptions::new(ValidationKind::VelaCallMetadata));
        if !report.ok {
            return Err(super::upload::validation_failure("call metadata (orgId, email, dateOfCall)", &[&report]));
        }
        upload_with(&file, &opts, PresignSource::Vela(VelaCall { api_base, credential, body })).await
    }))
}

/// Uploads a chat transcript to Vela (`POST {apiBase}/chat/upload/vela`), after validating it.
#[wasm_bindgen(js_name = uploadVelaChat, unchecked_return_type = "Promise<UploadVelaChatResult>")]
pub fn upload_vela_chat(
    #[wasm_bindgen(unchecked_param_type = "string | VelaChatData")] chat: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UploadVelaChatOptions")] options: JsValue,
) -> js_sys::Promise {
    promise(Box::pin(async move {
        let opts = Opts::read(&options, &names::UPLOAD_VELA_CHAT)?;
        let api_base = check_endpoint("apiBase", &opts.required_string("apiBase")?)?;
        let credential = vela_credential(&opts)?;
        // The caller's exact texts are validated (positions in them) and sent byte for byte.
        let chat = json_text(&chat, "chat")?;
        let metadata = opts.get("metadata").map(|m| json_text(&m, "options.metadata")).transpose()?;
        let org_id = opts.required_string("orgId")?;
        let attempts = opts.attempts((chat.len() + metadata.as_ref().map_or(0, String::len)) as u64, false)?;
        let text = crate::prepare::vela::prepare_chat_upload(chat.as_bytes(), &org_id, metadata.as_deref().map(str::as_bytes))
            .map_err(|e| super::upload::validation_failure("Vela chat", &e.reports()))?
            .body;
        let url = format!("{api_base}/chat/upload/vela");
        let body = JsValue::from_str(&text);
        let req = VelaRequest { url: &url, shown: origin(&api_base), body: &body };
        let plan = attempts.plan(credential.refreshable(), "Vela for this chat");
        let reply = vela::post(&attempts.stack(), &req, &credential, &plan).await?;
        let result = Object::new();
        for (key, member) in [("chatId", "chat_id"), ("status", "status"), ("processingStatus", "processing_status")] {
            put(&result, key, string_member(&reply, member).unwrap_or_default().as_str().into());
        }
        put(&result, "attempts", attempts.reporter.attempts().into());
        attempts.reporter.phase(Phase::Done);
        Ok(result.into())
    }))
}

/// The presigned upload itself, shared by `presignedUpload` and `uploadVelaCall`.
pub(crate) async fn upload_with(file: &Blob, opts: &Opts, source: PresignSource) -> Result<JsValue, UploadFailure> {
    let size = super::audio::blob_size(file)?;
    let attempts = opts.attempts(size, true)?;
    let refreshable = !matches!(source, PresignSource::Static(_));
    // Shared, not cloned, between the attempts that use it.
    let current: std::cell::RefCell<Option<Rc<Presign>>> = Default::default();

    let stack = attempts.stack();
    let plan = attempts.plan(false, "the bucket for this object");
    // The key of the presign the accepted attempt used.
    let key: std::cell::RefCell<String> = Default::default();
    let (source, current, attempts, key_slot) = (&source, &current, &attempts, &key);
    let response = engine::run(&stack, &plan, &mut move |info| {
        Box::pin(async move {
            let cached = if info.refresh { None } else { current.borrow().clone() };
            let presign = match cached {
                Some(p) => p,
                None => {
                    let fresh = Rc::new(obtain(source, attempts).await.map_err(AttemptError::before_send)?);
                    *current.borrow_mut() = Some(fresh.clone());
                    fresh
                }
            };
            let (key, response) = attempt(file, size, &presign, refreshable, attempts).await?;
            *key_slot.borrow_mut() = key;
            Ok(response)
        })
    })
    .await?;
    let key = key.into_inner();
    let result = Object::new();
    put(&result, "key", key.as_str().into());
    put(&result, "attempts", attempts.reporter.attempts().into());
    if let Some(etag) = find_metadata(&response.headers, "etag") {
        put(&result, "etag", etag.into());
    }
    let location = find_metadata(&response.headers, "location")
        .map(str::to_owned)
        .or_else(|| crate::s3_post::xml_error::element_text(&String::from_utf8_lossy(&response.body), "Location"));
    if let Some(location) = location {
        put(&result, "location", location.as_str().into());
    }
    attempts.reporter.phase(Phase::Done);
    Ok(result.into())
}

/// One POST of the form. Returns the key and the response headers and body.
async fn attempt(
    file: &Blob,
    size: u64,
    presign: &Presign,
    refreshable: bool,
    attempts: &Attempts,
) -> Result<(String, Response), AttemptError> {
    let stack = attempts.stack();
    let (url, key, form) = form(file, size, presign, refreshable, stack.now_ms())?;
    let req = Request { method: "POST", url: &url, headers: &[], body: &form };
    let result = stack.send(&req, &ToProgress(&*attempts.reporter)).await.map_err(AttemptError::before_send)?;
    let response = verdict(result, presign, refreshable, stack.now_ms())?;
    Ok((key, response))
}

/// The checked URL, the key and the form of a POST with `presign`: its fields in order, then
/// `file` last. Fails before anything is sent (a bad or expired presign).
fn form(file: &Blob, size: u64, presign: &Presign, refreshable: bool, now_ms: u64) -> Result<(String, String, JsValue), AttemptError> {
    let before = |failure, error| AttemptError { phase: retry::Phase::BeforeSend, failure, error };
    let other = |error| before(Failure::Other, error);
    let url = check_endpoint("presign.url", &presign.url).map_err(|e| other(e.into()))?;
    let facts = precheck(presign, size, now_ms).map_err(|e| {
        let secrets: Vec<&str> = presign.secret_values().collect();
        let failure = if matches!(e, PresignError::Expired { .. }) { Failure::Expired { refreshable } } else { Failure::Other };
        before(failure, UploadFailure::new(e.code(), redact(&e.to_string(), &secrets)))
    })?;
    let refused = |e: JsValue, what: &str| other(UploadFailure::new(UploadCode::InvalidRequest, what).with_cause(e));
    let form = FormData::new().map_err(|e| refused(e, "FormData is unavailable"))?;
    for entry in assemble_form(presign).map_err(|e| other(UploadFailure::new(e.code(), e.to_string())))? {
        let appended = match entry {
            FormEntry::Field { name, value } => form.append_with_str(name, value),
            FormEntry::File => form.append_with_blob("file", file),
        };
        appended.map_err(|e| refused(e, "the form could not be built"))?;
    }
    Ok((url, facts.key, form.into()))
}

/// What S3's answer to a POST means: the response of a stored object, or why it failed.
fn verdict(result: Exchange, presign: &Presign, refreshable: bool, now_ms: u64) -> Result<Response, AttemptError> {
    let phase = phase_of(result.body_sent);
    let response = match result.outcome {
        Outcome::Response(r) => r,
        Outcome::Network => {
            let mut e = transport_error(Outcome::Network, phase, "S3");
            e.error.message.push_str("; S3 also cuts the connection when it refuses a form early (expired or invalid policy)");
            return Err(e);
        }
        other => return Err(transport_error(other, phase, "S3")),
    };
    if (200..300).contains(&response.status) {
        return Ok(response);
    }
    let status = response.status;
    let http = Failure::Http { status, retry_after: retry_after(&response, now_ms) };
    let text = String::from_utf8_lossy(&response.body);
    let (failure, error) = match parse_s3_error(&text) {
        Some(s3) => {
            let failure = if s3.is_expired() { Failure::Expired { refreshable } } else { http };
            // S3 may echo field values (the signature, the policy) in what it says: redact
            // everything it said once, here.
            let secrets: Vec<&str> = presign.secret_values().collect();
            let code = redact(&s3.code, &secrets);
            let message = redact(&format!("S3 refused the upload (HTTP {status}, {code}): {}", s3.message), &secrets);
            // S3's own code goes only into `s3Code`: the package's codes are a closed set.
            let mut error = UploadFailure::new(UploadCode::S3Error, message).with_status(status);
            error.s3_code = Some(code);
            (failure, error)
        }
        None => (
            http,
            UploadFailure::new(UploadCode::HttpError, format!("S3 answered HTTP {status} without an S3 error document"))
                .with_status(status),
        ),
    };
    Err(AttemptError { phase, failure, error })
}

/// A fresh presign from `source`.
async fn obtain(source: &PresignSource, attempts: &Attempts) -> Result<Presign, UploadFailure> {
    match source {
        PresignSource::Static(p) => Ok(p.clone()),
        PresignSource::Function(f) => {
            let value = f.call0(&JsValue::UNDEFINED).map_err(presign_threw)?;
            // Adopted by a fresh promise: a thenable or a Proxy whose `then` throws rejects it
            // instead of throwing into wasm.
            // The signal cuts short a presign that never settles.
            let value = crate::web::timer::abortable(&super::js::adopt(&value), attempts.signal.as_ref())
                .await
                .ok_or_else(UploadFailure::aborted)?
                .map_err(presign_threw)?;
            read_presign(&value, "what the presign function returned")
        }
        PresignSource::Vela(call) => {
            let url = format!("{}/asr/async/upload/vela", call.api_base);
            let body = JsValue::from_str(&call.body);
            let req = VelaRequest { url: &url, shown: origin(&call.api_base), body: &body };
            // Asking again for a presign stores nothing: idempotent. Its bytes are not the
            // file's, so they are not reported as progress.
            let plan = Plan {
                policy: &attempts.policy,
                idempotent: true,
                refresh_credential: call.credential.refreshable(),
                check_where: "Vela",
                progress: &Silent,
            };
            let reply = vela::post(&attempts.stack(), &req, &call.credential, &plan).await?;
            // JSON.parse of the raw text keeps the fields' order (serde_json's map sorts keys).
            let value = js_sys::JSON::parse(&reply).unwrap_or(JsValue::NULL);
            read_presign(&value, "the Vela presign answer")
        }
    }
}

fn presign_threw(e: JsValue) -> UploadFailure {
    UploadFailure::new(UploadCode::PresignFailed, "the presign function threw or rejected; see error.cause").with_cause(e)
}

