//! grpc-web calls sent as one XHR POST of a prepared `Blob` body, with retries.

use web_sys::Blob;

use super::attempts::{AttemptError, Attempts};
use super::failure::UploadFailure;
use super::redact::redact;
use super::timer::now_ms;
use super::xhr::{send, XhrOutcome, XhrRequest, XhrResponse};
use crate::grpc_web::response::find_metadata;
use crate::grpc_web::{decode_unary, CallError, GrpcCode, CONTENT_TYPE_GRPC_WEB_PROTO};
use crate::retry::{self, parse_retry_after, Failure};

/// One grpc-web call.
pub(crate) struct GrpcWebCall<'a> {
    /// The checked endpoint, without a trailing slash.
    pub endpoint: &'a str,
    /// `/package.Service/Method`.
    pub path: &'a str,
    /// The `authorization` header value.
    pub authorization: &'a str,
    /// The request body (frames).
    pub body: &'a Blob,
    /// Strings that must never appear in a message (the credential).
    pub secrets: &'a [&'a str],
}

/// Sends `call` with the retries of `attempts` and decodes its one response message.
pub(crate) async fn call_unary<M: prost::Message + Default>(
    call: &GrpcWebCall<'_>,
    attempts: &Attempts,
) -> Result<M, UploadFailure> {
    let url = format!("{}{}", call.endpoint, call.path);
    let headers = [
        ("content-type", CONTENT_TYPE_GRPC_WEB_PROTO),
        ("x-grpc-web", "1"),
        ("x-user-agent", "talk-uploader"),
        ("authorization", call.authorization),
    ];
    attempts
        .run(|_info| {
            let url = &url;
            let headers = &headers;
            async move {
                let req = XhrRequest { method: "POST", url, headers, body: call.body.as_ref() };
                let result = send(&req, &attempts.hooks())
                    .await
                    .map_err(|e| AttemptError {
                        phase: retry::Phase::BeforeSend,
                        failure: Failure::Other,
                        error: UploadFailure::new("invalid_request", "the request could not be started; check the endpoint option").with_cause(e),
                    })?;
                let phase = if result.body_sent { retry::Phase::Waiting } else { retry::Phase::Sending };
                match result.outcome {
                    XhrOutcome::Response(response) => decode::<M>(call, &response, phase),
                    outcome => Err(transport_error(outcome, phase, call.endpoint)),
                }
            }
        })
        .await
}

/// A network-level end of an attempt as an [`AttemptError`].
pub(crate) fn transport_error(outcome: XhrOutcome, phase: retry::Phase, target: &str) -> AttemptError {
    let (failure, error) = match outcome {
        XhrOutcome::Aborted => (Failure::Aborted, UploadFailure::aborted()),
        XhrOutcome::Stall => (
            Failure::Stall,
            UploadFailure::new(
                "stalled",
                format!("no upload progress to {target} within stallTimeoutMs; the connection stalled (check the network, or raise stallTimeoutMs)"),
            ),
        ),
        _ => (
            Failure::Network,
            UploadFailure::new(
                "network_error",
                format!(
                    "the request to {target} failed at the network level: the server is unreachable, reset the connection, refused it \
                     before reading the body, or does not allow this page's origin (CORS); or the file became unreadable"
                ),
            ),
        ),
    };
    AttemptError { phase, failure, error }
}

/// The `Retry-After` of a response, parsed.
pub(crate) fn retry_after(response: &XhrResponse) -> Option<retry::RetryAfter> {
    let value = find_metadata(&response.headers, "retry-after")?;
    parse_retry_after(value, now_ms().max(0.0) as u64)
}

fn decode<M: prost::Message + Default>(
    call: &GrpcWebCall<'_>,
    response: &XhrResponse,
    phase: retry::Phase,
) -> Result<M, AttemptError> {
    match decode_unary::<M>(&response.body, &response.headers, response.status) {
        Ok(message) => Ok(message),
        Err(CallError::Status(status)) => {
            let name = status.code.name();
            let server = redact(&status.message, call.secrets);
            let message = format!("SpeechSense answered {name}{}{}{}", if server.is_empty() { "" } else { ": " }, server, hint(status.code));
            Err(AttemptError {
                phase,
                failure: Failure::Grpc { code: status.code },
                error: UploadFailure::new(name.to_ascii_lowercase(), message)
                    .with_grpc(status.raw_code.unwrap_or(status.code.as_u32()))
                    .with_status(response.status),
            })
        }
        Err(CallError::MissingStatus { http_status }) => Err(AttemptError {
            phase,
            failure: Failure::Http { status: http_status, retry_after: retry_after(response) },
            error: UploadFailure::new(
                "http_error",
                format!(
                    "{} answered HTTP {http_status} without a grpc-status; is endpoint a grpc-web server (or a proxy in front of one), \
                     and does its CORS setup expose grpc-status and grpc-message?",
                    call.endpoint
                ),
            )
            .with_status(http_status),
        }),
        Err(e) => Err(AttemptError {
            phase,
            failure: Failure::Other,
            error: UploadFailure::from_coded(e.code(), &e).with_status(response.status),
        }),
    }
}

/// What to do about a gRPC status, appended to its message.
fn hint(code: GrpcCode) -> &'static str {
    match code {
        GrpcCode::Unauthenticated => "; check apiKey or iamToken (an API key goes in apiKey, an IAM token in iamToken)",
        GrpcCode::PermissionDenied => "; the key's service account needs the speech-sense data editor role in this space",
        GrpcCode::NotFound => "; check connectionId",
        GrpcCode::Unavailable | GrpcCode::ResourceExhausted => "; try again later",
        _ => "",
    }
}
