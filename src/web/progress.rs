//! The `onProgress` model: what the caller sees while an upload runs.
//!
//! A [`ProgressTracker`] turns raw transport events (bytes of the current attempt's request body
//! sent so far) into [`ProgressEvent`]s with three guarantees:
//!
//! - `loaded` counts bytes of the **file** (`total` is the file size), never request-body
//!   bytes: headers, frame prefixes and form fields are scaled away;
//! - `loaded` never decreases, also when a retry starts sending again from byte 0;
//! - at most one `sending` event per [`MIN_INTERVAL_MS`] (about 20 a second), while every phase
//!   change and the final `done` event are always delivered.
//!
//! ```
//! use talk_uploader::web::progress::{Phase, ProgressTracker};
//! let mut t = ProgressTracker::new(1000);
//! assert_eq!(t.phase(Phase::Validating, 0.0).unwrap().loaded, 0);
//! let e = t.sent(500, 1010, 100.0).unwrap();
//! assert_eq!((e.loaded, e.phase), (495, Phase::Sending));
//! assert!(t.sent(600, 1010, 110.0).is_none()); // throttled
//! // A retry restarts the body at 0; `loaded` stays where it was, and nothing is reported.
//! assert!(t.sent(10, 1010, 500.0).is_none());
//! assert_eq!(t.loaded(), 594); // the throttled event still counted
//! assert_eq!(t.phase(Phase::Done, 600.0).unwrap().loaded, 1000);
//! ```

/// Shortest time between two `sending` events, in milliseconds: at most ~20 calls a second.
pub const MIN_INTERVAL_MS: f64 = 50.0;

/// Where an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Checking the input (sniffing audio, validating a chat, pre-checking a policy).
    Validating,
    /// Request bytes are going out.
    Sending,
    /// Every byte was sent; waiting for the server's answer.
    Waiting,
    /// The server accepted the upload.
    Done,
}

impl Phase {
    /// The JS name: `"validating"`, `"sending"`, `"waiting"` or `"done"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Validating => "validating",
            Phase::Sending => "sending",
            Phase::Waiting => "waiting",
            Phase::Done => "done",
        }
    }
}

/// One `onProgress` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressEvent {
    /// File bytes sent so far (monotonic).
    pub loaded: u64,
    /// The file size.
    pub total: u64,
    /// The phase.
    pub phase: Phase,
}

/// Monotonic, throttled progress for one upload (all its attempts).
#[derive(Debug, Clone)]
pub struct ProgressTracker {
    total: u64,
    loaded: u64,
    phase: Option<Phase>,
    last_emit_ms: Option<f64>,
}

impl ProgressTracker {
    /// A tracker for a `total`-byte file.
    pub fn new(total: u64) -> ProgressTracker {
        ProgressTracker { total, loaded: 0, phase: None, last_emit_ms: None }
    }

    /// The highest `loaded` reported so far.
    pub fn loaded(&self) -> u64 {
        self.loaded
    }

    /// `body_sent` of `body_total` request-body bytes of the current attempt are out, at time
    /// `now_ms`. Returns the event to deliver, or `None` when throttled or nothing changed.
    pub fn sent(&mut self, body_sent: u64, body_total: u64, now_ms: f64) -> Option<ProgressEvent> {
        let scaled = scale(body_sent, body_total, self.total);
        let grew = scaled > self.loaded;
        self.loaded = self.loaded.max(scaled);
        let phase_changed = self.phase != Some(Phase::Sending);
        if !phase_changed && !grew {
            return None;
        }
        if !phase_changed {
            if let Some(last) = self.last_emit_ms {
                if now_ms - last < MIN_INTERVAL_MS && now_ms >= last {
                    return None;
                }
            }
        }
        self.emit(Phase::Sending, now_ms)
    }

    /// Enters `phase` at `now_ms`. Always returns an event when the phase changes; `Done`
    /// reports the whole file as loaded.
    pub fn phase(&mut self, phase: Phase, now_ms: f64) -> Option<ProgressEvent> {
        if phase == Phase::Done || phase == Phase::Waiting {
            // Waiting means every byte of this attempt's body went out.
            self.loaded = self.total;
        }
        if self.phase == Some(phase) {
            return None;
        }
        self.emit(phase, now_ms)
    }

    fn emit(&mut self, phase: Phase, now_ms: f64) -> Option<ProgressEvent> {
        self.phase = Some(phase);
        self.last_emit_ms = Some(now_ms);
        Some(ProgressEvent { loaded: self.loaded, total: self.total, phase })
    }
}

/// `sent / body_total` of `file_total`, rounded down, in `0..=file_total`. The product is a
/// u128, so that none overflows; the division by `body_total` is [`div_wide`]'s.
fn scale(sent: u64, body_total: u64, file_total: u64) -> u64 {
    if body_total == 0 {
        return 0;
    }
    let sent = sent.min(body_total);
    div_wide(u128::from(sent) * u128::from(file_total), body_total).min(file_total)
}

/// `n / d` for `n < d << 64` (the quotient fits in a u64), by shift and subtract. Not u128's
/// `/`: that links compiler_builtins' general 128-bit division, ~1 KB of wasm (issue 9), for
/// one progress ratio.
fn div_wide(n: u128, d: u64) -> u64 {
    let d = u128::from(d);
    let mut rem = n >> 64;
    if rem >= d {
        // The quotient would not fit; only a caller's bug gets here.
        return u64::MAX;
    }
    let mut q = 0u64;
    for bit in (0..64).rev() {
        rem = (rem << 1) | ((n >> bit) & 1);
        if rem >= d {
            rem -= d;
            q |= 1 << bit;
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaded_is_monotonic_across_retries_and_capped() {
        let mut t = ProgressTracker::new(100);
        let mut last = 0;
        let mut now = 0.0;
        for attempt in 0..3 {
            for sent in (0..=120).step_by(7).chain([120]) {
                now += 60.0;
                if let Some(e) = t.sent(sent, 120, now) {
                    assert!(e.loaded >= last, "attempt {attempt}: {} < {last}", e.loaded);
                    assert!(e.loaded <= 100);
                    last = e.loaded;
                }
            }
        }
        assert_eq!(t.loaded(), 100);
    }

    #[test]
    fn throttles_to_twenty_a_second_but_keeps_phase_changes() {
        let mut t = ProgressTracker::new(1_000_000);
        let mut events = 0;
        // 1000 transport events within one second.
        for i in 0..1000u64 {
            if t.sent(i * 1000, 1_000_000, i as f64).is_some() {
                events += 1;
            }
        }
        assert!(events <= 21, "{events} events in one second");
        assert!(t.phase(Phase::Waiting, 1000.5).is_some());
        let done = t.phase(Phase::Done, 1000.6).expect("done is always delivered");
        assert_eq!(done.loaded, 1_000_000);
        assert!(t.phase(Phase::Done, 1000.7).is_none());
    }

    #[test]
    fn first_sending_event_is_not_throttled() {
        let mut t = ProgressTracker::new(10);
        t.phase(Phase::Validating, 0.0).unwrap();
        assert_eq!(t.sent(0, 20, 1.0).unwrap().phase, Phase::Sending);
    }

    #[test]
    fn wide_division_is_u128_division() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let (body, file) = (next() >> (next() % 64), next() >> (next() % 64));
            let body = body.max(1);
            let sent = next() % body.saturating_add(1).max(1);
            let n = u128::from(sent.min(body)) * u128::from(file);
            assert_eq!(u128::from(div_wide(n, body)), n / u128::from(body), "{n} / {body}");
        }
        assert_eq!(div_wide(u128::from(u64::MAX) * u128::from(u64::MAX), u64::MAX), u64::MAX);
        assert_eq!(div_wide(0, 1), 0);
    }

    #[test]
    fn scale_never_overflows() {
        assert_eq!(scale(u64::MAX, u64::MAX, u64::MAX), u64::MAX);
        assert_eq!(scale(5, 0, 10), 0);
        assert_eq!(scale(50, 10, 10), 10);
        assert_eq!(scale(1 << 40, 1 << 41, 1 << 40), 1 << 39);
    }

    #[test]
    fn clock_going_backwards_does_not_freeze_progress() {
        let mut t = ProgressTracker::new(100);
        t.sent(10, 100, 1000.0).unwrap();
        assert!(t.sent(20, 100, 10.0).is_some());
    }
}
