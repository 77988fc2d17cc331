//! Bounded outputs and bounded memory: `maxIssues` caps every report, and a 100 MB input of any
//! shape gets a report or `input_too_large`, with peak memory measured by a counting allocator.
//!
//! The peaks are printed (`cargo test --release --test validate_limits -- --nocapture`) and held
//! to a size budget: the input itself plus at most [`BUDGET`] on top, whatever the shape.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions};
use talk_uploader::json::{MAX_INPUT_BYTES, MAX_VALUES};
use talk_uploader::validate::{validate, Report, ValidateOptions, ValidationKind, DEFAULT_MAX_ISSUES};

/// Counts live heap bytes and their peak. Tests that read the peak hold [`SERIAL`].
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static SERIAL: Mutex<()> = Mutex::new(());

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            // A moving realloc holds both blocks for a moment: count the new one first.
            grew(new);
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// What a report may cost on top of its input: the node tree at its cap (20 bytes a value), the
/// first guess (one node per 24 bytes of a 100 MB input) still held while it grows, and room for
/// the capped issues.
const BUDGET: usize = MAX_VALUES * 20 + 100 * MB / 24 * 20 + 32 * MB;

/// Runs `f` and returns its result and the peak heap bytes above what was live before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

fn opts(kind: ValidationKind) -> ValidateOptions {
    ValidateOptions::new(kind)
}

fn assert_capped(r: &Report, cap: usize) {
    assert!(r.truncated, "expected a truncated report");
    assert!(!r.ok);
    assert_eq!(r.errors.len() + r.warnings.len(), cap + 1, "cap issues plus one too_many_issues");
    let last = r.errors.last().expect("an error");
    assert_eq!(last.code.as_str(), "too_many_issues");
    assert!(last.message.contains(&cap.to_string()), "{}", last.message);
    assert_eq!(r.errors.iter().filter(|i| i.code.as_str() == "too_many_issues").count(), 1);
}

const MB: usize = 1_000_000;

/// The defect of issue 8: a 20 MB `labelbox-import` array of zeros made one issue per element
/// (10 million) and ran out of 4 GiB of wasm memory.
#[test]
fn a_20_mb_array_of_zeros_gets_a_capped_report() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut input = Vec::with_capacity(20 * MB + 2);
    input.push(b'[');
    while input.len() < 20 * MB {
        input.extend_from_slice(b"0,");
    }
    input.extend_from_slice(b"0]");
    let (r, peak) = peak_of(|| validate(&input, &opts(ValidationKind::LabelboxImport)));
    assert_capped(&r, DEFAULT_MAX_ISSUES);
    assert_eq!(r.errors[0].path, "/0");
    assert_eq!(r.errors[0].code.as_str(), "wrong_type");
    assert!(r.errors.last().unwrap().message.contains("9999001 more error(s)"), "{}", r.errors.last().unwrap().message);
    println!("20 MB array of zeros, labelbox-import: peak {:.1} MB above the input", peak as f64 / 1e6);
    // 10 million values of 20 bytes, +1/8 of projection slack, and the first guess in flight.
    assert!(peak < 300 * MB, "peak {peak}");
}

#[test]
fn max_issues_is_honoured_and_errors_are_kept_before_warnings() {
    // 50 out-of-order warnings, then one missing member error: with a cap of 10 the error must
    // still be listed, and `ok` must stay false.
    let mut msgs = Vec::new();
    for i in 0..50 {
        msgs.push(format!(r#"{{"user_id":"1","text":"t","timestamp":"2023-09-13T17:{:02}:00Z"}}"#, 59 - i));
    }
    msgs.push(r#"{"user_id":"1","text":"t"}"#.to_owned());
    let chat = format!(r#"{{"messages":[{}]}}"#, msgs.join(","));
    let mut o = opts(ValidationKind::SpeechsenseChat);
    o.max_issues = 10;
    let r = validate(chat.as_bytes(), &o);
    assert!(!r.ok);
    assert!(r.truncated);
    assert_eq!(r.error_codes(), ["missing_member"]);
    assert_eq!(r.warnings.len(), 10, "9 kept warnings + too_many_issues");
    assert_eq!(r.warnings.last().unwrap().code.as_str(), "too_many_issues");
    assert!(r.warnings.last().unwrap().message.contains("40 more warning(s)"), "{}", r.warnings.last().unwrap().message);
    // Under the cap nothing changes.
    o.max_issues = 1000;
    let r = validate(chat.as_bytes(), &o);
    assert!(!r.truncated);
    assert_eq!(r.warnings.len(), 49);
    // Warnings only: ok, truncated, too_many_issues among the warnings.
    let only_warnings = chat.replace(r#",{"user_id":"1","text":"t"}"#, "");
    o.max_issues = 5;
    let r = validate(only_warnings.as_bytes(), &o);
    assert!(r.ok && r.truncated && r.errors.is_empty());
    assert_eq!(r.warning_codes().last(), Some(&"too_many_issues"));
}

#[test]
fn duplicate_keys_are_capped_too() {
    let mut doc = String::from("{");
    for i in 0..5000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str("\"k\":1");
    }
    doc.push('}');
    let r = validate(doc.as_bytes(), &opts(ValidationKind::SpeechsenseMetadata));
    assert_capped(&r, DEFAULT_MAX_ISSUES);
    assert!(r.errors.iter().take(DEFAULT_MAX_ISSUES).all(|i| i.code.as_str() == "duplicate_key" && i.path == "/k"));
}

#[test]
fn convert_results_are_capped() {
    // 300 messages with unknown senders: each a role_inferred warning on the way to SpeechSense.
    let msgs: Vec<String> = (0..300)
        .map(|i| format!(r#"{{"timestamp":"2024-01-15T10:30:00Z","sender":"x{i}","content":"c"}}"#))
        .collect();
    let vela = format!(
        r#"{{"org_id":"o","chat_data":{{"session_id":"s","agent_id":"a","start_time":"2024-01-15T10:30:00Z","end_time":"2024-01-15T10:45:00Z","messages":[{}]}}}}"#,
        msgs.join(",")
    );
    let mut o = ConvertOptions::new(ChatFormat::Vela, ChatFormat::Speechsense);
    o.max_issues = 20;
    let r = convert_chat(vela.as_bytes(), &o);
    assert!(r.truncated, "{:?}", r.warnings.len());
    assert_eq!(r.errors.len() + r.warnings.len(), 21);
    assert_eq!(r.warnings.last().unwrap().code.as_str(), "too_many_issues");
}

/// A key of 1 MB repeated: each issue quotes it clipped, so 1,000 issues stay small.
#[test]
fn huge_duplicate_keys_are_quoted_clipped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let key = "é".repeat(500_000);
    let mut doc = format!("{{\"{key}\":[");
    for i in 0..2000 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str("{\"a\":1,\"a\":2}");
    }
    doc.push_str("]}");
    let (r, peak) = peak_of(|| validate(doc.as_bytes(), &opts(ValidationKind::SpeechsenseMetadata)));
    assert!(r.truncated);
    let first = &r.errors[0];
    assert_eq!(first.code.as_str(), "duplicate_key");
    assert!(first.path.len() <= 1100 && first.path.ends_with('…'), "{}", first.path.len());
    assert_eq!((first.line, first.column), (Some(1), Some(500_013)));
    println!("2,000 duplicates under a 1 MB key: peak {:.1} MB above the input", peak as f64 / 1e6);
    assert!(peak < 16 * MB, "peak {peak}");
}

/// One input of each shape, built in place.
fn shape(name: &str, size: usize) -> (ValidationKind, Vec<u8>) {
    let mut v = Vec::with_capacity(size + 64);
    let fill = |v: &mut Vec<u8>, unit: &[u8], end: &[u8]| {
        while v.len() + unit.len() + end.len() < size {
            v.extend_from_slice(unit);
        }
        v.extend_from_slice(end);
    };
    match name {
        "zeros" => {
            v.push(b'[');
            fill(&mut v, b"0,", b"0]");
            (ValidationKind::LabelboxImport, v)
        }
        "chat-every-message-wrong" => {
            v.extend_from_slice(b"{\"messages\":[\n");
            fill(
                &mut v,
                b"  {\"user_id\": \"1\", \"text\": \"hello there\", \"timestamp\": \"2023-02-30T10:00:00Z\"},\n",
                b"  {\"user_id\": \"1\", \"text\": \"x\", \"timestamp\": \"2023-09-13T17:30:00Z\"}\n]}",
            );
            (ValidationKind::SpeechsenseChat, v)
        }
        "one-huge-string" => {
            v.extend_from_slice(b"{\"messages\":[{\"user_id\":\"1\",\"timestamp\":\"x\",\"text\":\"");
            fill(&mut v, b"abcdefgh", b"\"}]}");
            (ValidationKind::SpeechsenseChat, v)
        }
        "many-small-objects" => {
            v.push(b'[');
            fill(&mut v, b"{\"a\":1,\"a\":2},", b"{}]");
            (ValidationKind::LabelboxImport, v)
        }
        "wide-object" => {
            v.push(b'{');
            let mut i = 0u64;
            while v.len() + 40 < size {
                v.extend_from_slice(format!("\"key{i}\":\"v\",").as_bytes());
                i += 1;
            }
            v.extend_from_slice(b"\"last\":\"v\"}");
            (ValidationKind::SpeechsenseMetadata, v)
        }
        "deep-then-wide" => {
            v.extend_from_slice(&b"[".repeat(500));
            fill(&mut v, b"[1,\"s\"],", b"[]");
            v.extend_from_slice(&b"]".repeat(500));
            (ValidationKind::LabelboxConversation, v)
        }
        other => panic!("no shape {other}"),
    }
}

const SHAPES: [&str; 6] = ["zeros", "chat-every-message-wrong", "one-huge-string", "many-small-objects", "wide-object", "deep-then-wide"];

/// Every shape at 100 MB: a report or `input_too_large`, and peak memory within the budget.
/// A debug build (plain `cargo test`, as `npm test` runs it) takes two minutes for 100 MB, so it
/// uses 5 MB; `cargo test --release --test validate_limits -- --nocapture` gives the 100 MB
/// figures, and `TALK_UPLOADER_BIG_MB` sets any size.
#[test]
fn a_100_mb_input_of_any_shape_gets_a_bounded_report() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let default_mb = if cfg!(debug_assertions) { 5 } else { 100 };
    let size = std::env::var("TALK_UPLOADER_BIG_MB").ok().and_then(|s| s.parse::<usize>().ok()).unwrap_or(default_mb) * MB;
    for name in SHAPES {
        let (kind, input) = shape(name, size);
        let (r, peak) = peak_of(|| validate(&input, &opts(kind)));
        let codes = r.error_codes();
        println!(
            "{name:>26}: {:>5.1} MB, {} values, peak {:>6.1} MB above the input ({:.2}x), {} issues, truncated {}, first {:?}",
            input.len() as f64 / 1e6,
            r.stats.values,
            peak as f64 / 1e6,
            peak as f64 / input.len() as f64,
            r.errors.len() + r.warnings.len(),
            r.truncated,
            codes.first()
        );
        assert!(r.errors.len() + r.warnings.len() <= DEFAULT_MAX_ISSUES + 1);
        assert!(!r.ok, "{name}: every shape has errors");
        assert!(peak < BUDGET, "{name}: peak {peak} over the budget {BUDGET}");
        if codes == ["input_too_large"] {
            assert!(r.errors[0].message.contains(&MAX_VALUES.to_string()), "{}", r.errors[0].message);
        }
    }
}

#[test]
fn over_the_byte_limit_is_input_too_large_before_parsing() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let input = vec![b' '; MAX_INPUT_BYTES + 1];
    let (r, peak) = peak_of(|| validate(&input, &opts(ValidationKind::SpeechsenseChat)));
    assert_eq!(r.error_codes(), ["input_too_large"]);
    assert!(r.errors[0].message.contains("256 MiB"), "{}", r.errors[0].message);
    assert!(peak < MB, "nothing is allocated for a refused input: {peak}");
    assert_eq!(talk_uploader::validate::too_large_report(1 << 30).error_codes(), ["input_too_large"]);
}
