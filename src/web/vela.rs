//! Vela API calls (`POST {apiBase}/asr/async/upload/vela` and `/chat/upload/vela`): a JSON body
//! with `Authorization: Bearer <token or ticket>`, through the same engine as every other
//! request, so they get progress, the stall timer, retries, abort and redaction too.
//!
//! A refusal of the API becomes a failure with the API's `error` code, its `message` (redacted)
//! and its `errors` as `issues`. Pure over [`HttpStack`]: native tests run it on a fake.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use super::engine::{self, AttemptError, AuthorizedPost, Credentials, Plan};
use super::failure::{json_detail, UploadFailure};
use super::grpc::retry_after;
use crate::redact::redact;
use super::transport::{HttpStack, Response};
use crate::retry::{self, Failure};
use crate::upload_code::UploadCode;

/// A Vela call: where, and what.
pub(crate) struct VelaRequest<'a, B: ?Sized> {
    /// The full URL.
    pub url: &'a str,
    /// The URL as messages show it: scheme, host and port.
    pub shown: &'a str,
    /// The JSON body.
    pub body: &'a B,
}

/// POSTs `req` with the retries of `plan` and a fresh credential for each attempt; returns the
/// body text of the 2xx answer.
pub(crate) async fn post<S: HttpStack, C: Credentials>(
    stack: &S,
    req: &VelaRequest<'_, S::Body>,
    credentials: &C,
    plan: &Plan<'_>,
) -> Result<String, UploadFailure> {
    let headers = [("authorization", ""), ("content-type", "application/json")];
    let target = format!("the Vela API at {}", req.shown);
    let post = AuthorizedPost { url: req.url, headers: &headers, body: req.body, target: &target, accept };
    let (response, _) = engine::authorized_post(stack, &post, credentials, plan).await?;
    Ok(String::from_utf8_lossy(&response.body).into_owned())
}

/// A 2xx answer, or the API's refusal.
fn accept(_target: &str, response: Response, phase: retry::Phase, secrets: &[&str], now_ms: u64) -> Result<Response, AttemptError> {
    if (200..300).contains(&response.status) {
        return Ok(response);
    }
    Err(AttemptError {
        phase,
        failure: Failure::Http { status: response.status, retry_after: retry_after(&response, now_ms) },
        error: refusal(&response, secrets),
    })
}

/// The API's refusal as a failure: its `error` as code, `message` redacted, `errors` as issues.
///
/// Read with the crate's own parser (no serde_json on this path); a body that is not JSON is
/// an `http_error` with the status.
fn refusal(response: &Response, secrets: &[&str]) -> UploadFailure {
    let status = response.status;
    let read = crate::json::read(&response.body).ok();
    let root = read.as_ref().map(|r| r.parsed.doc.root());
    let field = |name: &str| root.and_then(|r| r.get(name));
    let text = |name: &str| field(name).and_then(|v| v.as_str()).map(|s| s.into_owned());
    let error = text("error");
    // The codes are a closed set: a Vela error the package does not know is an `http_error`
    // whose message names it (when it is a plain identifier, not arbitrary text).
    let (code, named) = match error.as_deref().map(|e| (e, UploadCode::from_vela(e))) {
        Some((_, Some(code))) => (code, String::new()),
        Some((e, None)) if !e.is_empty() && e.len() <= 64 && e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            (UploadCode::HttpError, format!(" ({e})"))
        }
        _ => (UploadCode::HttpError, String::new()),
    };
    let message = redact(text("message").as_deref().unwrap_or("the Vela API refused the request"), secrets);
    let hint = if status == 401 { "; check the token or ticket option" } else { "" };
    let mut failure =
        UploadFailure::new(code, format!("the Vela API answered HTTP {status}{named}: {message}{hint}")).with_status(status);
    if let Some(errors) = field("errors") {
        failure.issues = json_detail(&redact(errors.raw(), secrets));
    }
    failure
}

// Used by the bindings (wasm32 only) and this module's tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]
pub(crate) use crate::json::escape::quote as json_string;

/// The text of the string member `name` of the JSON object `body`, if there is one.
pub(crate) fn string_member(body: &str, name: &str) -> Option<String> {
    let read = crate::json::read(body.as_bytes()).ok()?;
    let value = read.parsed.doc.root().get(name)?;
    value.as_str().map(|s| s.into_owned())
}

/// The scheme, host and port of `url`, for messages (a path or query could hold a secret).
pub(crate) fn origin(url: &str) -> &str {
    // A byte search and `get`, not `str::find("://")` and indexing: those link the Two-Way
    // searcher and the slicing panic path for this one function.
    let start = crate::redact::find(url, "://").map_or(0, |i| i + 3);
    let end = url.bytes().skip(start).position(|b| matches!(b, b'/' | b'?' | b'#')).map_or(url.len(), |i| start + i);
    url.get(..end).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::RetryPolicy;
    use crate::web::engine::fake::*;

    fn plan<'a>(policy: &'a RetryPolicy, idempotent: bool, refresh: bool, progress: &'a Recorder) -> Plan<'a> {
        Plan { policy, idempotent, refresh_credential: refresh, check_where: "Vela for this chat", progress }
    }

    fn req(body: &[u8]) -> VelaRequest<'_, [u8]> {
        VelaRequest { url: "https://vela.example/chat/upload/vela", shown: "https://vela.example", body }
    }

    #[test]
    fn json_string_escapes_what_json_requires_and_round_trips() {
        for s in ["plain", "q\"uote", "back\\slash", "line\nbreak\r\t", "\u{0}\u{1f}\u{7f}", "ünïcödé \u{1F600} \u{2028}"] {
            let lit = json_string(s);
            let back = string_member(&format!("{{\"k\":{lit}}}"), "k");
            assert_eq!(back.as_deref(), Some(s), "{lit}");
        }
        assert_eq!(json_string("a\u{1}"), "\"a\\u0001\"");
        assert_eq!(string_member(r#"{"chat_id":"c-1","n":1}"#, "chat_id").as_deref(), Some("c-1"));
        assert_eq!(string_member(r#"{"n":1}"#, "chat_id"), None);
        assert_eq!(string_member("not json", "chat_id"), None);
    }

    #[test]
    fn origin_drops_path_and_query() {
        assert_eq!(origin("https://gw.example:8443/vela?sig=abc"), "https://gw.example:8443");
        assert_eq!(origin("http://127.0.0.1:1"), "http://127.0.0.1:1");
    }

    #[test]
    fn a_401_calls_the_token_function_once_more_and_retries_once() {
        let stack = FakeStack::new(vec![
            answer(401, &[], br#"{"error":"unauthorized","message":"token key-1 expired"}"#),
            answer(200, &[], br#"{"chat_id":"c1"}"#),
        ]);
        let cred = CountingCredential { refreshable: true, ..Default::default() };
        let (policy, rec) = (RetryPolicy::never(), Recorder::default());
        let text = block_on(post(&stack, &req(b"{}"), &cred, &plan(&policy, false, true, &rec))).unwrap();
        assert_eq!(text, r#"{"chat_id":"c1"}"#);
        assert_eq!(cred.calls.get(), 2);
        assert_eq!(stack.header(0, "authorization").as_deref(), Some("Bearer key-1"));
        assert_eq!(stack.header(1, "authorization").as_deref(), Some("Bearer key-2"));
        assert_eq!(*rec.attempts.borrow(), [1, 2]);
    }

    #[test]
    fn a_second_401_is_the_answer_and_its_message_is_redacted() {
        let body = br#"{"error":"unauthorized","message":"token key-2 is not valid","errors":[{"m":"key-2"}]}"#;
        let stack = FakeStack::new(vec![answer(401, &[], body), answer(401, &[], body)]);
        let cred = CountingCredential { refreshable: true, ..Default::default() };
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let e = block_on(post(&stack, &req(b"{}"), &cred, &plan(&policy, false, true, &rec))).unwrap_err();
        assert_eq!((e.code.as_str(), e.status, e.attempt), ("unauthorized", Some(401), Some(2)));
        assert!(e.message.contains("[redacted]") && !e.message.contains("key-2"), "{}", e.message);
        assert_eq!(e.issues.as_deref(), Some(r#"[{"m":"[redacted]"}]"#));
        assert_eq!(stack.requests(), 2);
    }

    #[test]
    fn a_static_token_is_not_retried_on_401() {
        let stack = FakeStack::new(vec![answer(401, &[], br#"{"error":"unauthorized"}"#)]);
        let cred = CountingCredential::default();
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let e = block_on(post(&stack, &req(b"{}"), &cred, &plan(&policy, false, cred.refreshable(), &rec))).unwrap_err();
        assert_eq!(e.code, "unauthorized");
        assert_eq!(stack.requests(), 1);
    }

    #[test]
    fn a_chat_whose_answer_was_lost_is_outcome_unknown_not_resent() {
        let stack = FakeStack::new(vec![lost(true)]);
        let cred = CountingCredential::default();
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let e = block_on(post(&stack, &req(b"{}"), &cred, &plan(&policy, false, false, &rec))).unwrap_err();
        assert_eq!(e.code, "outcome_unknown");
        assert!(e.message.contains("Vela for this chat"), "{}", e.message);
        assert_eq!(stack.requests(), 1);
    }

    #[test]
    fn a_presign_request_is_retried_after_a_lost_answer_and_on_429_with_retry_after() {
        let stack = FakeStack::new(vec![
            lost(true),
            answer(429, &[("retry-after", "7")], br#"{"error":"minute_allocation_exceeded"}"#),
            answer(200, &[], b"{}"),
        ]);
        let cred = CountingCredential::default();
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        block_on(post(&stack, &req(b"{}"), &cred, &plan(&policy, true, false, &rec))).unwrap();
        assert_eq!(*stack.sleeps.borrow(), [0, 7000]);
        assert_eq!(cred.calls.get(), 3, "the token is asked for each attempt");
    }

    #[test]
    fn a_refusal_that_is_not_json_is_an_http_error_with_its_status() {
        let stack = FakeStack::new(vec![answer(502, &[], b"<html>bad gateway</html>")]);
        let (policy, rec) = (RetryPolicy::never(), Recorder::default());
        let e = block_on(post(&stack, &req(b"{}"), &CountingCredential::default(), &plan(&policy, true, false, &rec))).unwrap_err();
        assert_eq!((e.code.as_str(), e.status), ("http_error", Some(502)));
        assert!(e.message.contains("HTTP 502"), "{}", e.message);
    }

    #[test]
    fn an_unusual_error_code_is_not_used_as_the_code() {
        let stack = FakeStack::new(vec![answer(400, &[], br#"{"error":"bad code with spaces"}"#)]);
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let e = block_on(post(&stack, &req(b"{}"), &CountingCredential::default(), &plan(&policy, false, false, &rec))).unwrap_err();
        assert_eq!(e.code, "http_error");
        assert!(!e.message.contains("bad code"), "{}", e.message);
    }

    /// The codes are a closed set: an error name Vela may add later is not passed through as the
    /// code, but the message still says which it was.
    #[test]
    fn a_vela_error_the_package_does_not_know_is_http_error_naming_it() {
        let stack = FakeStack::new(vec![answer(409, &[], br#"{"error":"duplicate_upload","message":"seen before"}"#)]);
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let e = block_on(post(&stack, &req(b"{}"), &CountingCredential::default(), &plan(&policy, false, false, &rec))).unwrap_err();
        assert_eq!((e.code.as_str(), e.status), ("http_error", Some(409)));
        assert!(e.message.contains("HTTP 409 (duplicate_upload): seen before"), "{}", e.message);
    }
}
