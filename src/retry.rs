//! Retry decisions for uploads: a policy as data, and pure functions that decide.
//!
//! [`RetryPolicy::delays_ms`] lists the wait before each retry, tus-js-client style:
//! `delays_ms[i]` is the wait before retry `i + 1`. The default `[0, 1000, 3000, 5000]` allows
//! 4 retries after the first attempt, so at most 5 attempts. [`decide`] says, after attempt
//! `n` failed with a [`Failure`], whether to try again and after how long:
//!
//! | failure | decision |
//! | --- | --- |
//! | network error, stall | retry |
//! | HTTP 5xx, 408, 429 | retry, waiting at least `Retry-After` (capped at [`MAX_RETRY_AFTER_MS`]) |
//! | other HTTP 4xx | give up |
//! | gRPC `UNAVAILABLE`, `RESOURCE_EXHAUSTED` | retry |
//! | any other gRPC status (`INVALID_ARGUMENT`, `UNAUTHENTICATED`, `PERMISSION_DENIED`, `NOT_FOUND`, …) | give up |
//! | expired presigned POST | refresh the presign and retry, if the presign can be refreshed |
//! | aborted by the caller, other | give up |
//!
//! ```
//! use talk_uploader::retry::{decide, Decision, Failure, RetryPolicy};
//! use talk_uploader::grpc_web::GrpcCode;
//!
//! let policy = RetryPolicy::default();
//! assert_eq!(decide(&policy, 1, &Failure::Network), Decision::Retry { after_ms: 0 });
//! assert_eq!(decide(&policy, 2, &Failure::Grpc { code: GrpcCode::Unavailable }), Decision::Retry { after_ms: 1000 });
//! assert_eq!(decide(&policy, 5, &Failure::Network), Decision::GiveUp);
//! assert_eq!(decide(&policy, 1, &Failure::Grpc { code: GrpcCode::InvalidArgument }), Decision::GiveUp);
//! ```
//!
//! # Retries and duplicate talks
//!
//! A SpeechSense upload is **not idempotent**: every `Upload`, `UploadAsStream` or `UploadBadge`
//! call that succeeds creates a new talk, and the request carries no client-chosen id the
//! server could deduplicate on (`talk_id` is for updating an existing talk's metadata). The
//! server can only commit a talk after it has read the **whole** request body: the unary
//! message, or the client stream up to its end. So:
//!
//! - a failure while the body is still being sent ([`Phase::Sending`]) or before it started
//!   cannot have stored a talk, and is retried as the table says;
//! - a failure after the whole body was sent ([`Phase::Waiting`]) is **ambiguous** when it
//!   carries no verdict from the service: a lost connection, a stall, a gateway's 502/504 or
//!   another bare 5xx. The server may have stored the talk and the answer was lost. Retrying
//!   could store the talk twice, so the package does **not** retry then: it fails with the
//!   code `outcome_unknown`, whose message tells the user to check SpeechSense before
//!   uploading again;
//! - an explicit gRPC status (the service's own verdict, e.g. `UNAVAILABLE`), an HTTP 429 or
//!   408, or a 503 (a refusal, not a crash) prove nothing was stored, and are retried.
//!
//! [`may_have_committed`] is that rule as a function; [`decide_upload`] combines it with
//! [`decide`]. A presigned S3 POST to a fixed key *is* idempotent (a second POST overwrites the
//! same object with the same bytes), so it passes `idempotent: true` and keeps retrying.
//!
//! ## Limitations
//!
//! - Delays are used as given: no jitter is added (add it to the data if many clients retry
//!   together).
//! - The `Retry-After` of a gRPC error is not read (grpc-web servers rarely send one).

use crate::grpc_web::GrpcCode;
use crate::upload_code::UploadCode;

/// The default waits before retries 1 to 4, in milliseconds (as tus-js-client).
pub const DEFAULT_DELAYS_MS: [u64; 4] = [0, 1000, 3000, 5000];

/// Longest wait a `Retry-After` header can impose: 60 s. A longer demand is cut to this.
pub const MAX_RETRY_AFTER_MS: u64 = 60_000;

/// Most retries a policy may list (a guard against a runaway option).
pub const MAX_RETRIES: usize = 32;

/// Longest single delay a policy may list: 10 minutes.
pub const MAX_DELAY_MS: u64 = 10 * 60 * 1000;

/// How often and after what waits to retry: `delays_ms[i]` is the wait before retry `i + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Waits before each retry, in milliseconds; empty means "never retry".
    pub delays_ms: Vec<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { delays_ms: DEFAULT_DELAYS_MS.to_vec() }
    }
}

/// Why a retry policy given by the caller is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryPolicyError {
    /// More delays than [`MAX_RETRIES`].
    #[error("retry.delays lists {count} retries; at most {max} are allowed")]
    TooManyRetries {
        /// Number of delays given.
        count: usize,
        /// The maximum.
        max: usize,
    },
    /// A delay above [`MAX_DELAY_MS`].
    #[error("retry.delays[{index}] is {delay_ms} ms; each delay must be at most {max} ms (10 minutes)")]
    DelayTooLong {
        /// Position of the delay.
        index: usize,
        /// The delay.
        delay_ms: u64,
        /// The maximum.
        max: u64,
    },
}

impl RetryPolicyError {
    /// The code of the failure this error becomes: delays come from the `retry` option, so it
    /// is `invalid_options`, whose message names the delay.
    pub fn code(&self) -> UploadCode {
        UploadCode::InvalidOptions
    }
}

impl RetryPolicy {
    /// A checked policy from caller-supplied delays.
    pub fn new(delays_ms: Vec<u64>) -> Result<Self, RetryPolicyError> {
        if delays_ms.len() > MAX_RETRIES {
            return Err(RetryPolicyError::TooManyRetries { count: delays_ms.len(), max: MAX_RETRIES });
        }
        if let Some((index, &delay_ms)) = delays_ms.iter().enumerate().find(|(_, d)| **d > MAX_DELAY_MS) {
            return Err(RetryPolicyError::DelayTooLong { index, delay_ms, max: MAX_DELAY_MS });
        }
        Ok(RetryPolicy { delays_ms })
    }

    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy { delays_ms: Vec::new() }
    }

    /// Most attempts in total: the first one plus one per delay.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays_ms.len()).unwrap_or(u32::MAX).saturating_add(1)
    }

    /// The wait before the retry that follows failed attempt `attempt` (1-based), if allowed.
    pub fn delay_after(&self, attempt: u32) -> Option<u64> {
        let index = usize::try_from(attempt.max(1) - 1).ok()?;
        self.delays_ms.get(index).copied()
    }
}

/// A wait demanded by a `Retry-After` header, already resolved to milliseconds from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    /// Milliseconds to wait (not yet capped).
    pub delay_ms: u64,
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date, relative to `now_unix_ms`.
///
/// A date in the past gives a 0 ms wait. Returns `None` for anything else (negative numbers,
/// fractions, garbage).
pub fn parse_retry_after(value: &str, now_unix_ms: u64) -> Option<RetryAfter> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Huge values saturate; the cap applies later.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(RetryAfter { delay_ms: secs.saturating_mul(1000) });
    }
    let at = crate::timefmt::parse_http_date(value)?;
    let now = i64::try_from(now_unix_ms).unwrap_or(i64::MAX);
    Some(RetryAfter { delay_ms: u64::try_from(at.saturating_sub(now)).unwrap_or(0) })
}

/// What went wrong with one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The request failed at the network level (XHR status 0, "Failed to fetch", reset).
    Network,
    /// No progress for `stallTimeoutMs`: treated as a network error.
    Stall,
    /// An HTTP status other than 2xx, without a gRPC status.
    Http {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, parsed.
        retry_after: Option<RetryAfter>,
    },
    /// A non-OK gRPC status from the service.
    Grpc {
        /// The status code.
        code: GrpcCode,
    },
    /// The presigned POST expired (S3 403 "Request has expired" or a local pre-check).
    Expired {
        /// Whether a fresh presign can be asked for (the `presign` option is a function).
        refreshable: bool,
    },
    /// The caller aborted through the `AbortSignal`.
    Aborted,
    /// Anything else (a bug, a malformed response): never retried.
    Other,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Try again after waiting this long.
    Retry {
        /// The wait, in milliseconds.
        after_ms: u64,
    },
    /// Ask for a fresh presigned POST, then try again after waiting this long.
    RefreshAndRetry {
        /// The wait, in milliseconds.
        after_ms: u64,
    },
    /// Stop and report the failure.
    GiveUp,
}

/// Whether a failure is worth retrying at all (independent of the attempt count).
pub fn is_retryable(failure: &Failure) -> bool {
    match failure {
        Failure::Network | Failure::Stall => true,
        Failure::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
        Failure::Grpc { code } => matches!(code, GrpcCode::Unavailable | GrpcCode::ResourceExhausted),
        Failure::Expired { refreshable } => *refreshable,
        Failure::Aborted | Failure::Other => false,
    }
}

/// Decides, after attempt `attempt` (1-based: 1 is the first attempt) failed with `failure`.
///
/// Retries while the policy has a delay for this retry and the failure is retryable. The wait
/// is the policy's delay, or the `Retry-After` demand (capped at [`MAX_RETRY_AFTER_MS`]) if
/// longer. An `attempt` of 0 is read as 1.
pub fn decide(policy: &RetryPolicy, attempt: u32, failure: &Failure) -> Decision {
    let Some(delay) = policy.delay_after(attempt) else {
        return Decision::GiveUp;
    };
    if !is_retryable(failure) {
        return Decision::GiveUp;
    }
    match failure {
        Failure::Http { retry_after: Some(ra), .. } => Decision::Retry {
            after_ms: delay.max(ra.delay_ms.min(MAX_RETRY_AFTER_MS)),
        },
        Failure::Expired { .. } => Decision::RefreshAndRetry { after_ms: delay },
        _ => Decision::Retry { after_ms: delay },
    }
}

/// How far an attempt got when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing was sent yet (pre-checks, connecting).
    BeforeSend,
    /// The request body was being sent and was not complete.
    Sending,
    /// The whole body was sent; the answer had not arrived.
    Waiting,
    /// The answer arrived (a failure here is about reading it).
    Done,
}

/// Whether the server may have stored the upload even though the attempt failed.
///
/// False when the body was not completely sent (a talk is committed only after the whole
/// request was read) or when the failure is a verdict that proves nothing was stored: a gRPC
/// status, HTTP 408, 429 or 503, or a 4xx. True for failures after the whole body was sent that
/// carry no verdict (network, stall, other 5xx, aborted, other), and for anything once the
/// answer arrived.
pub fn may_have_committed(phase: Phase, failure: &Failure) -> bool {
    match phase {
        Phase::BeforeSend | Phase::Sending => false,
        Phase::Done => true,
        Phase::Waiting => match failure {
            Failure::Grpc { .. } | Failure::Expired { .. } => false,
            Failure::Http { status, .. } => !matches!(status, 408 | 429 | 503 | 400..=499),
            Failure::Network | Failure::Stall | Failure::Aborted | Failure::Other => true,
        },
    }
}

/// [`decide`], but never retrying a non-idempotent upload that [`may_have_committed`].
pub fn decide_upload(
    policy: &RetryPolicy,
    attempt: u32,
    phase: Phase,
    failure: &Failure,
    idempotent: bool,
) -> Decision {
    if !idempotent && may_have_committed(phase, failure) {
        Decision::GiveUp
    } else {
        decide(policy, attempt, failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> Failure {
        Failure::Http { status, retry_after: None }
    }
    fn grpc(code: GrpcCode) -> Failure {
        Failure::Grpc { code }
    }

    #[test]
    fn decision_table() {
        let p = RetryPolicy::default();
        let retry = |ms| Decision::Retry { after_ms: ms };
        let cases: Vec<(u32, Failure, Decision)> = vec![
            (1, Failure::Network, retry(0)),
            (2, Failure::Network, retry(1000)),
            (3, Failure::Stall, retry(3000)),
            (4, Failure::Network, retry(5000)),
            (5, Failure::Network, Decision::GiveUp),
            (0, Failure::Network, retry(0)),
            (u32::MAX, Failure::Network, Decision::GiveUp),
            (1, http(500), retry(0)),
            (1, http(502), retry(0)),
            (1, http(503), retry(0)),
            (1, http(504), retry(0)),
            (1, http(599), retry(0)),
            (1, http(408), retry(0)),
            (1, http(429), retry(0)),
            (1, http(400), Decision::GiveUp),
            (1, http(401), Decision::GiveUp),
            (1, http(403), Decision::GiveUp),
            (1, http(404), Decision::GiveUp),
            (1, http(413), Decision::GiveUp),
            (1, http(600), Decision::GiveUp),
            (1, grpc(GrpcCode::Unavailable), retry(0)),
            (2, grpc(GrpcCode::ResourceExhausted), retry(1000)),
            (1, grpc(GrpcCode::InvalidArgument), Decision::GiveUp),
            (1, grpc(GrpcCode::Unauthenticated), Decision::GiveUp),
            (1, grpc(GrpcCode::PermissionDenied), Decision::GiveUp),
            (1, grpc(GrpcCode::NotFound), Decision::GiveUp),
            (1, grpc(GrpcCode::Internal), Decision::GiveUp),
            (1, grpc(GrpcCode::DeadlineExceeded), Decision::GiveUp),
            (1, grpc(GrpcCode::Unknown), Decision::GiveUp),
            (1, Failure::Expired { refreshable: true }, Decision::RefreshAndRetry { after_ms: 0 }),
            (1, Failure::Expired { refreshable: false }, Decision::GiveUp),
            (1, Failure::Aborted, Decision::GiveUp),
            (1, Failure::Other, Decision::GiveUp),
        ];
        for (i, (attempt, failure, expected)) in cases.iter().enumerate() {
            assert_eq!(decide(&p, *attempt, failure), *expected, "case {i}: {failure:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        let f = |ms| Failure::Http { status: 429, retry_after: Some(RetryAfter { delay_ms: ms }) };
        assert_eq!(decide(&p, 1, &f(7000)), Decision::Retry { after_ms: 7000 });
        assert_eq!(decide(&p, 4, &f(2000)), Decision::Retry { after_ms: 5000 });
        assert_eq!(decide(&p, 1, &f(3_600_000)), Decision::Retry { after_ms: MAX_RETRY_AFTER_MS });
        // Retry-After does not make a 4xx retryable.
        let f = Failure::Http { status: 400, retry_after: Some(RetryAfter { delay_ms: 1 }) };
        assert_eq!(decide(&p, 1, &f), Decision::GiveUp);
    }

    #[test]
    fn parse_retry_after_forms() {
        let now = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("120", now), Some(RetryAfter { delay_ms: 120_000 }));
        assert_eq!(parse_retry_after(" 0 ", now), Some(RetryAfter { delay_ms: 0 }));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(RetryAfter { delay_ms: u64::MAX })
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(RetryAfter { delay_ms: 30_000 })
        );
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(RetryAfter { delay_ms: 0 }));
        for bad in ["", "-1", "1.5", "soon", "Sun, 06 Nov 1994"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn policies() {
        assert_eq!(RetryPolicy::default().max_attempts(), 5);
        assert_eq!(RetryPolicy::never().max_attempts(), 1);
        assert_eq!(decide(&RetryPolicy::never(), 1, &Failure::Network), Decision::GiveUp);
        let p = RetryPolicy::new(vec![10, 20]).unwrap();
        assert_eq!(decide(&p, 2, &Failure::Network), Decision::Retry { after_ms: 20 });
        assert_eq!(decide(&p, 3, &Failure::Network), Decision::GiveUp);
        assert_eq!(RetryPolicy::new(vec![0; 33]).unwrap_err().code(), "invalid_options");
        assert_eq!(
            RetryPolicy::new(vec![0, MAX_DELAY_MS + 1]),
            Err(RetryPolicyError::DelayTooLong { index: 1, delay_ms: MAX_DELAY_MS + 1, max: MAX_DELAY_MS })
        );
    }

    #[test]
    fn commit_table() {
        use Phase::*;
        let cases: Vec<(Phase, Failure, bool)> = vec![
            (BeforeSend, Failure::Network, false),
            (Sending, Failure::Network, false),
            (Sending, Failure::Stall, false),
            (Sending, http(502), false),
            (Waiting, Failure::Network, true),
            (Waiting, Failure::Stall, true),
            (Waiting, http(500), true),
            (Waiting, http(502), true),
            (Waiting, http(504), true),
            (Waiting, http(503), false),
            (Waiting, http(429), false),
            (Waiting, http(408), false),
            (Waiting, http(403), false),
            (Waiting, grpc(GrpcCode::Unavailable), false),
            (Waiting, grpc(GrpcCode::InvalidArgument), false),
            (Waiting, Failure::Aborted, true),
            (Waiting, Failure::Other, true),
            (Waiting, Failure::Expired { refreshable: true }, false),
            (Done, Failure::Other, true),
        ];
        for (i, (phase, failure, expected)) in cases.iter().enumerate() {
            assert_eq!(may_have_committed(*phase, failure), *expected, "case {i}: {phase:?} {failure:?}");
        }
    }

    #[test]
    fn uploads_are_not_retried_when_they_may_have_committed() {
        let p = RetryPolicy::default();
        assert_eq!(decide_upload(&p, 1, Phase::Waiting, &Failure::Network, false), Decision::GiveUp);
        assert_eq!(
            decide_upload(&p, 1, Phase::Waiting, &Failure::Network, true),
            Decision::Retry { after_ms: 0 }
        );
        assert_eq!(
            decide_upload(&p, 1, Phase::Sending, &Failure::Network, false),
            Decision::Retry { after_ms: 0 }
        );
        assert_eq!(
            decide_upload(&p, 2, Phase::Waiting, &grpc(GrpcCode::Unavailable), false),
            Decision::Retry { after_ms: 1000 }
        );
    }
}
