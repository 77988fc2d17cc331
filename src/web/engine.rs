//! The retry loop every request of the package runs in: run attempts, ask
//! [`crate::retry::decide_upload`] after each failure, sleep the decided delay (cut short by an
//! abort), refresh a credential once after `UNAUTHENTICATED`, and turn an ambiguous failure of a
//! non-idempotent request into `outcome_unknown`.
//!
//! It is pure: the network and the clock come in through [`HttpStack`], progress through
//! [`Progress`], credentials through [`Credentials`]. Native tests drive it with scripted fakes.

// Natively only the tests use this module; the browser build uses all of it.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::future::Future;
use std::pin::Pin;

use super::failure::UploadFailure;
use super::progress::Phase;
use super::transport::{Events, HttpStack, Outcome, Request, Response};
use crate::grpc_web::GrpcCode;
use crate::retry::{self, Decision, Failure, RetryPolicy};
use crate::upload_code::UploadCode;

/// Where `onProgress` events go.
pub(crate) trait Progress {
    /// Attempt `n` (1-based) starts.
    fn attempt(&self, n: u32);
    /// `sent` of `total` request-body bytes of the current attempt are out.
    fn sent(&self, sent: f64, total: f64);
    /// The upload enters `phase`.
    fn phase(&self, phase: Phase);
}

/// A [`Progress`] that reports nothing.
pub(crate) struct Silent;

impl Progress for Silent {
    fn attempt(&self, _: u32) {}
    fn sent(&self, _: f64, _: f64) {}
    fn phase(&self, _: Phase) {}
}

/// [`Events`] of a stack, forwarded to a [`Progress`].
pub(crate) struct ToProgress<'a>(pub &'a dyn Progress);

impl Events for ToProgress<'_> {
    fn sent(&self, sent: f64, total: f64) {
        self.0.sent(sent, total);
    }
    fn body_sent(&self) {
        self.0.phase(Phase::Waiting);
    }
}

/// An `authorization` value for one attempt, and the secret inside it (for redaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    /// The whole header value, e.g. `Api-Key …` or `Bearer …`.
    pub header: String,
    /// The credential alone.
    pub secret: String,
}

/// Where the credential of each attempt comes from.
#[allow(async_fn_in_trait)]
pub(crate) trait Credentials {
    /// The credential for the next attempt. A provider function is called every time.
    fn authorization(&self) -> impl Future<Output = Result<Authorization, UploadFailure>>;
    /// Whether asking again can give a different credential (the option is a function).
    fn refreshable(&self) -> bool;
}

/// How one call retries.
pub(crate) struct Plan<'a> {
    /// Retry delays.
    pub policy: &'a RetryPolicy,
    /// Whether repeating the request is harmless (a presigned POST to a fixed key is; a
    /// SpeechSense upload, which creates a talk each time, is not).
    pub idempotent: bool,
    /// Whether an authentication failure may be retried once with a fresh credential.
    pub refresh_credential: bool,
    /// What to check before sending again, for `outcome_unknown`: "SpeechSense for this talk".
    pub check_where: &'a str,
    /// Progress of the caller's upload.
    pub progress: &'a dyn Progress,
}

/// A failed attempt: how far it got, what the retry policy should see, and what to report if
/// no retry follows.
#[derive(Debug)]
pub(crate) struct AttemptError {
    /// How far the attempt got.
    pub phase: retry::Phase,
    /// The classified failure.
    pub failure: Failure,
    /// The error to reject with.
    pub error: UploadFailure,
}

impl AttemptError {
    /// A failure before anything was sent, never retried (a bad option, a provider that threw).
    pub(crate) fn before_send(error: UploadFailure) -> AttemptError {
        AttemptError { phase: retry::Phase::BeforeSend, failure: Failure::Other, error }
    }
}

/// The number of an attempt and why it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AttemptInfo {
    /// 1-based.
    pub number: u32,
    /// The decision before this attempt was [`Decision::RefreshAndRetry`] (a fresh presign).
    pub refresh: bool,
}

/// Whether a failure says the credential was refused.
pub(crate) fn is_auth_failure(failure: &Failure) -> bool {
    matches!(failure, Failure::Grpc { code: GrpcCode::Unauthenticated } | Failure::Http { status: 401, .. })
}

/// One attempt in flight: the answer it accepted, or why it failed.
pub(crate) type AttemptFuture<'a> = Pin<Box<dyn Future<Output = Result<Response, AttemptError>> + 'a>>;

/// Runs `attempt` until it succeeds, the policy gives up, or the caller aborts.
///
/// An authentication failure with a refreshable credential is retried once at once, outside
/// the policy's count: the credential function is called again by the next attempt, and a
/// verdict of the server proves nothing was stored.
///
/// Not generic over the call: every request of the package shares this one loop, and each
/// caller reads what it needs from the accepted [`Response`] afterwards.
pub(crate) async fn run<'a, S: HttpStack>(
    stack: &S,
    plan: &Plan<'_>,
    attempt: &mut dyn FnMut(AttemptInfo) -> AttemptFuture<'a>,
) -> Result<Response, UploadFailure> {
    let mut info = AttemptInfo { number: 1, refresh: false };
    let mut retries_used: u32 = 0;
    let mut credential_refreshed = false;
    loop {
        if stack.aborted() {
            return Err(UploadFailure::aborted().with_attempt(info.number));
        }
        plan.progress.attempt(info.number);
        let e = match attempt(info).await {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        if e.failure == Failure::Aborted {
            return Err(UploadFailure::aborted().with_attempt(info.number));
        }
        if plan.refresh_credential && !credential_refreshed && is_auth_failure(&e.failure) {
            credential_refreshed = true;
            info = AttemptInfo { number: info.number + 1, refresh: false };
            continue;
        }
        let decision = retry::decide_upload(plan.policy, retries_used + 1, e.phase, &e.failure, plan.idempotent);
        let after_ms = match decision {
            Decision::GiveUp => return Err(give_up(plan, info.number, e)),
            Decision::Retry { after_ms } => {
                info.refresh = false;
                after_ms
            }
            Decision::RefreshAndRetry { after_ms } => {
                info.refresh = true;
                after_ms
            }
        };
        if stack.sleep(after_ms).await.is_err() {
            return Err(UploadFailure::aborted().with_attempt(info.number));
        }
        retries_used += 1;
        info.number += 1;
    }
}

/// A POST with a fresh credential for each attempt: what the grpc-web and Vela calls share.
pub(crate) struct AuthorizedPost<'a, B: ?Sized> {
    /// The full URL.
    pub url: &'a str,
    /// The request headers, in order; the value of `authorization` is filled in per attempt.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a B,
    /// The server as messages name it (scheme, host and port only).
    pub target: &'a str,
    /// Reads an answer: what the call returns, or why the attempt failed. Gets the target, the
    /// phase reached, the secrets to redact and the time.
    pub accept: fn(&str, Response, retry::Phase, &[&str], u64) -> Result<Response, AttemptError>,
}

/// Sends `post` with the retries of `plan`; returns the accepted answer and its attempt number.
pub(crate) async fn authorized_post<S: HttpStack, C: Credentials>(
    stack: &S,
    post: &AuthorizedPost<'_, S::Body>,
    credentials: &C,
    plan: &Plan<'_>,
) -> Result<(Response, u32), UploadFailure> {
    let number = std::cell::Cell::new(0);
    let number_ref = &number;
    let response = run(stack, plan, &mut move |info| {
        number_ref.set(info.number);
        Box::pin(async move {
            let auth = credentials.authorization().await.map_err(AttemptError::before_send)?;
            let mut headers: Vec<(&str, &str)> = Vec::with_capacity(post.headers.len());
            for &(name, value) in post.headers {
                headers.push((name, if name == "authorization" { auth.header.as_str() } else { value }));
            }
            let request = Request { method: "POST", url: post.url, headers: &headers, body: post.body };
            let result = stack.send(&request, &ToProgress(plan.progress)).await.map_err(AttemptError::before_send)?;
            let phase = phase_of(result.body_sent);
            match result.outcome {
                Outcome::Response(response) => (post.accept)(post.target, response, phase, &[auth.secret.as_str()], stack.now_ms()),
                other => Err(transport_error(other, phase, post.target)),
            }
        })
    })
    .await?;
    Ok((response, number.get()))
}

fn give_up(plan: &Plan<'_>, attempt: u32, mut e: AttemptError) -> UploadFailure {
    let ambiguous =
        !plan.idempotent && retry::may_have_committed(e.phase, &e.failure) && retry::is_retryable(&e.failure);
    if ambiguous {
        let mut f = UploadFailure::new(
            UploadCode::OutcomeUnknown,
            format!(
                "the whole request was sent, but the answer was lost ({}); the server may have stored it. \
                 Check {} before sending it again, or you may create a duplicate",
                e.error.message, plan.check_where
            ),
        );
        f.status = e.error.status;
        f.grpc_status = e.error.grpc_status;
        f.cause = e.error.cause.take();
        return f.with_attempt(attempt);
    }
    let mut error = e.error.with_attempt(attempt);
    if attempt > 1 && retry::is_retryable(&e.failure) {
        error.message = format!("{} (gave up after {attempt} attempts)", error.message);
    }
    error
}

/// A network-level end of an attempt as an [`AttemptError`]; `target` names the server
/// (scheme, host and port only).
pub(crate) fn transport_error(outcome: Outcome, phase: retry::Phase, target: &str) -> AttemptError {
    let (failure, error) = match outcome {
        Outcome::Aborted => (Failure::Aborted, UploadFailure::aborted()),
        Outcome::Stall => (
            Failure::Stall,
            UploadFailure::new(
                UploadCode::Stalled,
                format!("no upload progress to {target} within stallTimeoutMs; the connection stalled (check the network, or raise stallTimeoutMs)"),
            ),
        ),
        _ => (
            Failure::Network,
            UploadFailure::new(
                UploadCode::NetworkError,
                format!(
                    "the request to {target} failed at the network level: the server is unreachable, reset the connection, refused it \
                     before reading the body, or does not allow this page's origin (CORS); or the file became unreadable"
                ),
            ),
        ),
    };
    AttemptError { phase, failure, error }
}

/// The phase a finished exchange reached.
pub(crate) fn phase_of(body_sent: bool) -> retry::Phase {
    if body_sent {
        retry::Phase::Waiting
    } else {
        retry::Phase::Sending
    }
}

#[cfg(test)]
mod tests {
    use super::fake::*;
    use super::*;

    fn plan<'a>(policy: &'a RetryPolicy, idempotent: bool, progress: &'a Recorder) -> Plan<'a> {
        Plan { policy, idempotent, refresh_credential: false, check_where: "the bucket", progress }
    }

    fn fail(failure: Failure, phase: retry::Phase) -> AttemptError {
        AttemptError { phase, failure, error: UploadFailure::new(UploadCode::Internal, "failed") }
    }

    #[test]
    fn an_expired_presign_is_refreshed_and_the_refresh_flag_reaches_the_next_attempt() {
        let stack = FakeStack::default();
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let mut seen = Vec::new();
        let out = block_on(run(&stack, &plan(&policy, true, &rec), &mut |info| {
            seen.push(info);
            Box::pin(std::future::ready(match info.number {
                1 => Err(fail(Failure::Expired { refreshable: true }, retry::Phase::BeforeSend)),
                2 => Err(fail(Failure::Network, retry::Phase::Waiting)),
                n => Ok(Response { status: 200 + n as u16, headers: Vec::new(), body: Vec::new() }),
            }))
        }));
        assert_eq!(out.unwrap().status, 203, "the third attempt's answer is the result");
        let refresh: Vec<bool> = seen.iter().map(|i| i.refresh).collect();
        assert_eq!(refresh, [false, true, false], "only the attempt after the expiry refreshes");
        assert_eq!(*stack.sleeps.borrow(), [0, 1000]);
    }

    #[test]
    fn retry_after_is_waited_and_an_abort_during_the_wait_ends_the_upload() {
        let stack = FakeStack::default();
        let (policy, rec) = (RetryPolicy::default(), Recorder::default());
        let ra = Some(retry::RetryAfter { delay_ms: 7_000 });
        let e = block_on(run(&stack, &plan(&policy, true, &rec), &mut |info| {
            if info.number == 1 {
                stack.abort_after.set(Some(0)); // the caller aborts while the engine waits
            }
            Box::pin(std::future::ready(Err(fail(Failure::Http { status: 429, retry_after: ra }, retry::Phase::Waiting))))
        }))
        .unwrap_err();
        assert_eq!((e.code.as_str(), e.attempt), ("aborted", Some(1)));
        assert_eq!(*stack.sleeps.borrow(), [7_000]);
    }

    #[test]
    fn a_non_idempotent_upload_gives_up_with_outcome_unknown_only_for_ambiguous_failures() {
        let (policy, rec) = (RetryPolicy::never(), Recorder::default());
        let cases = [
            (Failure::Network, retry::Phase::Waiting, "outcome_unknown"),
            (Failure::Stall, retry::Phase::Waiting, "outcome_unknown"),
            (Failure::Http { status: 502, retry_after: None }, retry::Phase::Waiting, "outcome_unknown"),
            (Failure::Network, retry::Phase::Sending, "internal"),
            (Failure::Http { status: 503, retry_after: None }, retry::Phase::Waiting, "internal"),
            (Failure::Grpc { code: GrpcCode::Unavailable }, retry::Phase::Waiting, "internal"),
            (Failure::Other, retry::Phase::Waiting, "internal"),
        ];
        for (failure, phase, code) in cases {
            let stack = FakeStack::default();
            let f = failure.clone();
            let e = block_on(run(&stack, &plan(&policy, false, &rec), &mut |_| Box::pin(std::future::ready(Err(fail(f.clone(), phase))))))
                .unwrap_err();
            assert_eq!(e.code, code, "{failure:?} {phase:?}");
        }
    }
}

/// Scripted fakes for native tests of everything built on the engine.
#[cfg(test)]
pub(crate) mod fake {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;
    use std::future::Future;

    use super::*;
    use crate::web::transport::{Exchange, Outcome, Request, Response};

    /// What the fake recorded of one request.
    #[derive(Debug, Clone)]
    pub(crate) struct Sent {
        pub url: String,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    /// Answers requests from a script, records them, and never really sleeps.
    #[derive(Default)]
    pub(crate) struct FakeStack {
        pub script: RefCell<VecDeque<Exchange>>,
        pub sent: RefCell<Vec<Sent>>,
        pub sleeps: RefCell<Vec<u64>>,
        /// Abort once this many requests were sent.
        pub abort_after: Cell<Option<usize>>,
    }

    impl FakeStack {
        pub(crate) fn new(script: Vec<Exchange>) -> FakeStack {
            FakeStack { script: RefCell::new(script.into()), ..Default::default() }
        }
        pub(crate) fn requests(&self) -> usize {
            self.sent.borrow().len()
        }
        pub(crate) fn header(&self, i: usize, name: &str) -> Option<String> {
            self.sent.borrow()[i].headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
        }
    }

    /// A response exchange, body fully sent.
    pub(crate) fn answer(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Exchange {
        Exchange {
            outcome: Outcome::Response(Response {
                status,
                headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
                body: body.to_vec(),
            }),
            body_sent: true,
        }
    }

    /// A lost connection, after (`true`) or before the whole body went out.
    pub(crate) fn lost(body_sent: bool) -> Exchange {
        Exchange { outcome: Outcome::Network, body_sent }
    }

    impl HttpStack for FakeStack {
        type Body = [u8];

        fn send(&self, req: &Request<'_, [u8]>, events: &dyn Events) -> impl Future<Output = Result<Exchange, UploadFailure>> {
            self.sent.borrow_mut().push(Sent {
                url: req.url.to_owned(),
                headers: req.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
                body: req.body.to_vec(),
            });
            let next = self.script.borrow_mut().pop_front().expect("the script ran out: more requests than expected");
            let total = req.body.len() as f64;
            events.sent(if next.body_sent { total } else { total / 2.0 }, total);
            if next.body_sent {
                events.body_sent();
            }
            std::future::ready(Ok(next))
        }

        fn sleep(&self, ms: u64) -> impl Future<Output = Result<(), crate::web::transport::Aborted>> {
            self.sleeps.borrow_mut().push(ms);
            std::future::ready(if self.aborted() { Err(crate::web::transport::Aborted) } else { Ok(()) })
        }

        fn aborted(&self) -> bool {
            self.abort_after.get().is_some_and(|n| self.requests() >= n)
        }

        fn now_ms(&self) -> u64 {
            1_700_000_000_000
        }
    }

    /// A credential function that counts its calls and hands out `key-1`, `key-2`, ...
    #[derive(Default)]
    pub(crate) struct CountingCredential {
        pub calls: Cell<u32>,
        pub refreshable: bool,
        /// Fail (as a throwing provider) on this call.
        pub fail_on: Option<u32>,
    }

    impl Credentials for CountingCredential {
        fn authorization(&self) -> impl Future<Output = Result<Authorization, UploadFailure>> {
            let n = self.calls.get() + 1;
            self.calls.set(n);
            std::future::ready(if self.fail_on == Some(n) {
                Err(UploadFailure::new(UploadCode::InvalidOptions, "options.ticket (a function) threw; see error.cause"))
            } else {
                let secret = format!("key-{n}");
                Ok(Authorization { header: format!("Bearer {secret}"), secret })
            })
        }
        fn refreshable(&self) -> bool {
            self.refreshable
        }
    }

    /// Records progress calls.
    #[derive(Default)]
    pub(crate) struct Recorder {
        pub attempts: RefCell<Vec<u32>>,
        pub phases: RefCell<Vec<Phase>>,
    }

    impl Progress for Recorder {
        fn attempt(&self, n: u32) {
            self.attempts.borrow_mut().push(n);
        }
        fn sent(&self, _: f64, _: f64) {}
        fn phase(&self, phase: Phase) {
            self.phases.borrow_mut().push(phase);
        }
    }

    /// Runs a future whose every await is ready at once (the fakes never pend).
    pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("a fake pended"),
        }
    }
}
