//! grpc-web calls sent as one POST of a prepared body, with retries: the audio uploads (a `Blob`
//! of frame headers and file slices) and `UploadText` (one encoded frame).
//!
//! Pure over [`HttpStack`] and [`Credentials`], so native tests run it against a scripted fake.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use super::engine::{self, AttemptError, AuthorizedPost, Credentials, Plan};
use super::failure::UploadFailure;
use crate::redact::redact;
use super::transport::{HttpStack, Response};
use crate::grpc_web::response::find_metadata;
use crate::grpc_web::status::unary_message;
use crate::pb::DecodeError;
use crate::grpc_web::{CallError, GrpcCode, CONTENT_TYPE_GRPC_WEB_PROTO};
use crate::retry::{self, parse_retry_after, Failure};
use crate::upload_code::UploadCode;

/// One grpc-web call.
pub(crate) struct GrpcWebCall<'a, B: ?Sized> {
    /// The checked endpoint, without a trailing slash.
    pub endpoint: &'a str,
    /// `/package.Service/Method`.
    pub path: &'a str,
    /// The request body (frames).
    pub body: &'a B,
}

/// The one message of a successful unary call, not yet decoded.
pub(crate) struct Unary {
    /// The message bytes.
    message: Vec<u8>,
    /// The HTTP status of the answer.
    status: u16,
    /// The attempt that got it.
    attempt: u32,
}

impl Unary {
    /// The message read by `decode` (one of [`crate::grpc_web::message`]'s); a message that does
    /// not decode fails like the call would have (`invalid_response_message`).
    pub(crate) fn decode<M>(&self, decode: fn(&[u8]) -> Result<M, DecodeError>) -> Result<M, UploadFailure> {
        decode(&self.message).map_err(|e| self.failure(CallError::Decode(e.to_string())))
    }

    /// A message that did not decode. Never retried (`Failure::Other`): the same failure the
    /// engine gives up with.
    fn failure(&self, e: CallError) -> UploadFailure {
        UploadFailure::from_coded(e.code(), &e).with_status(self.status).with_attempt(self.attempt)
    }
}

/// Sends `call` with the retries of `plan` and a fresh credential for each attempt, and reads
/// its one response message (see [`Unary::decode`]).
pub(crate) async fn call_unary<S: HttpStack, C: Credentials>(
    stack: &S,
    call: &GrpcWebCall<'_, S::Body>,
    credentials: &C,
    plan: &Plan<'_>,
) -> Result<Unary, UploadFailure> {
    let url = format!("{}{}", call.endpoint, call.path);
    let headers = [
        ("content-type", CONTENT_TYPE_GRPC_WEB_PROTO),
        ("x-grpc-web", "1"),
        ("x-user-agent", "talk-uploader"),
        ("authorization", ""),
    ];
    let post = AuthorizedPost { url: &url, headers: &headers, body: call.body, target: call.endpoint, accept };
    let (response, attempt) = engine::authorized_post(stack, &post, credentials, plan).await?;
    Ok(Unary { message: response.body, status: response.status, attempt })
}

/// An answer whose one message is the body (see [`check`]).
fn accept(endpoint: &str, response: Response, phase: retry::Phase, secrets: &[&str], now_ms: u64) -> Result<Response, AttemptError> {
    let message = check(endpoint, &response, phase, secrets, now_ms)?;
    Ok(Response { body: message, ..response })
}

/// The `Retry-After` of a response, parsed.
pub(crate) fn retry_after(response: &Response, now_ms: u64) -> Option<retry::RetryAfter> {
    let value = find_metadata(&response.headers, "retry-after")?;
    parse_retry_after(value, now_ms)
}

/// The one message of an OK answer, or the failure it is.
fn check(endpoint: &str, response: &Response, phase: retry::Phase, secrets: &[&str], now_ms: u64) -> Result<Vec<u8>, AttemptError> {
    match unary_message(&response.body, &response.headers, response.status) {
        Ok(message) => Ok(message),
        Err(CallError::Status(status)) => {
            let name = status.code.name();
            let server = redact(&status.message, secrets);
            let message = format!("SpeechSense answered {name}{}{}{}", if server.is_empty() { "" } else { ": " }, server, hint(status.code));
            Err(AttemptError {
                phase,
                failure: Failure::Grpc { code: status.code },
                error: UploadFailure::new(status.code.upload_code(), message)
                    .with_grpc(status.raw_code.unwrap_or(status.code.as_u32()))
                    .with_status(response.status),
            })
        }
        Err(CallError::MissingStatus { http_status }) => Err(AttemptError {
            phase,
            failure: Failure::Http { status: http_status, retry_after: retry_after(response, now_ms) },
            error: UploadFailure::new(
                UploadCode::HttpError,
                format!(
                    "{} answered HTTP {http_status} without a grpc-status; is endpoint a grpc-web server (or a proxy in front of one), \
                     and does its CORS setup expose grpc-status and grpc-message?",
                    endpoint
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
        GrpcCode::Unauthenticated => "; check apiKey, iamToken or ticket (an API key goes in apiKey, an IAM token in iamToken, a talk-gateway ticket in ticket)",
        GrpcCode::PermissionDenied => "; the key's service account needs the speech-sense data editor role in this space",
        GrpcCode::NotFound => "; check connectionId",
        GrpcCode::Unavailable | GrpcCode::ResourceExhausted => "; try again later",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc_web::frame::encode_data_frame;
    use crate::grpc_web::message::decode_talk_id;
    use crate::proto::speechsense::UploadTalkResponse;
    use crate::retry::RetryPolicy;
    use crate::web::engine::fake::*;
    use crate::web::progress::Phase;
    use prost::Message as _;

    const PATH: &str = "/yandex.cloud.speechsense.v1.TalkService/UploadText";

    /// A grpc-web answer: one message frame and an OK trailer.
    fn ok(talk_id: &str) -> crate::web::transport::Exchange {
        let mut body = encode_data_frame(&UploadTalkResponse { talk_id: talk_id.into() }.encode_to_vec()).unwrap();
        let trailer = b"grpc-status: 0\r\n";
        body.push(0x80);
        body.extend_from_slice(&(trailer.len() as u32).to_be_bytes());
        body.extend_from_slice(trailer);
        answer(200, &[("content-type", "application/grpc-web+proto")], &body)
    }

    /// A trailers-only grpc-web error.
    fn status(code: u32, message: &str) -> crate::web::transport::Exchange {
        answer(
            200,
            &[("content-type", "application/grpc-web+proto"), ("grpc-status", &code.to_string()), ("grpc-message", message)],
            b"",
        )
    }

    struct Run {
        stack: FakeStack,
        cred: CountingCredential,
        rec: Recorder,
        policy: RetryPolicy,
    }

    impl Run {
        fn new(script: Vec<crate::web::transport::Exchange>, refreshable: bool) -> Run {
            Run {
                stack: FakeStack::new(script),
                cred: CountingCredential { refreshable, ..Default::default() },
                rec: Recorder::default(),
                policy: RetryPolicy::default(),
            }
        }
        fn call(&self) -> Result<String, UploadFailure> {
            let body = b"frame".to_vec();
            let call = GrpcWebCall { endpoint: "https://ss.example", path: PATH, body: body.as_slice() };
            let plan = Plan {
                policy: &self.policy,
                idempotent: false,
                refresh_credential: self.cred.refreshable(),
                check_where: "SpeechSense for this talk",
                progress: &self.rec,
            };
            block_on(call_unary(&self.stack, &call, &self.cred, &plan))?.decode(decode_talk_id)
        }
    }

    #[test]
    fn sends_one_grpc_web_post_with_the_credential_and_decodes_the_answer() {
        let run = Run::new(vec![ok("talk-1")], false);
        assert_eq!(run.call().unwrap(), "talk-1");
        let sent = run.stack.sent.borrow();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].url, format!("https://ss.example{PATH}"));
        assert_eq!(sent[0].body, b"frame");
        assert_eq!(run.stack.header(0, "content-type").as_deref(), Some("application/grpc-web+proto"));
        assert_eq!(run.stack.header(0, "x-grpc-web").as_deref(), Some("1"));
        assert_eq!(run.stack.header(0, "authorization").as_deref(), Some("Bearer key-1"));
        assert_eq!(*run.rec.phases.borrow(), [Phase::Waiting]);
    }

    #[test]
    fn unauthenticated_calls_the_function_once_more_and_retries_once() {
        let run = Run::new(vec![status(16, "ticket expired"), ok("talk-2")], true);
        assert_eq!(run.call().unwrap(), "talk-2");
        assert_eq!(run.cred.calls.get(), 2);
        assert_eq!(run.stack.header(1, "authorization").as_deref(), Some("Bearer key-2"));
        assert_eq!(*run.rec.attempts.borrow(), [1, 2]);
        assert!(run.stack.sleeps.borrow().is_empty(), "the refresh does not wait");
    }

    #[test]
    fn unauthenticated_twice_is_the_answer() {
        let run = Run::new(vec![status(16, "bad key-1"), status(16, "bad key-2")], true);
        let e = run.call().unwrap_err();
        assert_eq!((e.code.as_str(), e.grpc_status, e.attempt), ("unauthenticated", Some(16), Some(2)));
        assert!(!e.message.contains("key-2") && e.message.contains("[redacted]"), "{}", e.message);
        assert_eq!(run.stack.requests(), 2);
    }

    #[test]
    fn a_static_credential_is_not_retried_on_unauthenticated() {
        let run = Run::new(vec![status(16, "no")], false);
        assert_eq!(run.call().unwrap_err().code, "unauthenticated");
        assert_eq!(run.stack.requests(), 1);
    }

    #[test]
    fn the_function_is_called_for_every_attempt_and_retries_follow_the_policy() {
        let run = Run::new(vec![lost(false), status(14, "busy"), answer(503, &[], b""), ok("talk-4")], true);
        assert_eq!(run.call().unwrap(), "talk-4");
        assert_eq!(run.cred.calls.get(), 4);
        assert_eq!(*run.stack.sleeps.borrow(), [0, 1000, 3000]);
        assert_eq!(*run.rec.attempts.borrow(), [1, 2, 3, 4]);
    }

    #[test]
    fn a_refresh_does_not_use_up_a_retry_of_the_policy() {
        let mut run = Run::new(vec![status(16, "expired"), lost(false), ok("t")], true);
        run.policy = RetryPolicy::new(vec![5]).unwrap();
        assert_eq!(run.call().unwrap(), "t");
        assert_eq!(*run.stack.sleeps.borrow(), [5]);
    }

    #[test]
    fn a_lost_answer_after_the_whole_chat_went_out_is_outcome_unknown_and_never_resent() {
        for ambiguous in [lost(true), answer(502, &[], b"bad gateway"), {
            let mut e = lost(true);
            e.outcome = crate::web::transport::Outcome::Stall;
            e
        }] {
            let run = Run::new(vec![ambiguous], true);
            let e = run.call().unwrap_err();
            assert_eq!(e.code, "outcome_unknown", "{}", e.message);
            assert!(e.message.contains("SpeechSense for this talk"), "{}", e.message);
            assert_eq!(run.stack.requests(), 1, "a chat that may be stored is not sent again");
        }
    }

    #[test]
    fn gives_up_after_the_policy_with_the_attempt_count() {
        let run = Run::new(vec![lost(false); 5], false);
        let e = run.call().unwrap_err();
        assert_eq!((e.code.as_str(), e.attempt), ("network_error", Some(5)));
        assert!(e.message.contains("gave up after 5 attempts"), "{}", e.message);
        assert!(e.message.contains("https://ss.example"), "{}", e.message);
    }

    #[test]
    fn a_throwing_credential_function_fails_before_anything_is_sent() {
        let mut run = Run::new(vec![], true);
        run.cred.fail_on = Some(1);
        assert_eq!(run.call().unwrap_err().code, "invalid_options");
        assert_eq!(run.stack.requests(), 0);
    }

    #[test]
    fn an_abort_stops_the_retries() {
        let run = Run::new(vec![lost(false), ok("never")], false);
        run.stack.abort_after.set(Some(1));
        let e = run.call().unwrap_err();
        assert_eq!((e.code.as_str(), e.attempt), ("aborted", Some(1)));
        assert_eq!(run.stack.requests(), 1);
    }

    #[test]
    fn invalid_argument_is_not_retried_and_an_http_error_without_status_says_what_to_check() {
        let run = Run::new(vec![status(3, "bad chat")], false);
        assert_eq!(run.call().unwrap_err().code, "invalid_argument");
        let run = Run::new(vec![answer(404, &[], b"not found")], false);
        let e = run.call().unwrap_err();
        assert_eq!((e.code.as_str(), e.status), ("http_error", Some(404)));
    }
}
