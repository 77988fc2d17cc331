//! The bad-input corpus (`tests/corpus/`): every file with the code it must get, listed in
//! `tests/corpus/manifest.json`, plus inputs too big to commit (a 50 MB document with one error at
//! its end, 100,000-deep nesting, huge strings), built here. Then: no input takes more than linear
//! time, checked by the ratio of CPU time between an input and one four times its size (linear is
//! 4, quadratic 16; the bound is 10, and nothing is compared with a fixed time).
//!
//! `TALK_UPLOADER_CORPUS_PRINT=1 cargo test --test validate_corpus -- --nocapture` prints what
//! every file gets, for writing the manifest of a new file.

use talk_uploader::audio;
use talk_uploader::validate::{validate, Report, ValidateOptions, ValidationKind};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    /// `sniff`, a validation kind, or `every-kind`.
    check: String,
    /// `ok`, an error code, or `warning:<code>` (no errors, that warning first).
    expect: String,
    path: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    #[allow(dead_code)]
    why: String,
}

/// What a check gives: ("ok" | code | "warning:code", first issue's path, line, column).
type Outcome = (String, Option<String>, Option<u32>, Option<u32>);

fn outcome(check: &str, bytes: &[u8]) -> Vec<Outcome> {
    if check == "sniff" {
        let r = audio::sniff(bytes, bytes.len() as u64, Some(bytes));
        return vec![(r.map_or_else(|e| e.code().as_str().to_owned(), |_| "ok".to_owned()), None, None, None)];
    }
    let kinds: Vec<ValidationKind> = if check == "every-kind" {
        ValidationKind::ALL.to_vec()
    } else {
        vec![ValidationKind::from_name(check).unwrap_or_else(|| panic!("unknown check {check}"))]
    };
    kinds.into_iter().map(|k| summary(&validate(bytes, &ValidateOptions::new(k)))).collect()
}

fn summary(r: &Report) -> Outcome {
    match (r.errors.first(), r.warnings.first()) {
        (Some(e), _) => (e.code.as_str().to_owned(), Some(e.path.clone()), e.line, e.column),
        (None, Some(w)) => (format!("warning:{}", w.code.as_str()), Some(w.path.clone()), w.line, w.column),
        (None, None) => ("ok".to_owned(), None, None, None),
    }
}

#[test]
fn every_corpus_file_gets_its_expected_code() {
    let manifest: Vec<Case> =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/manifest.json")).expect("manifest")).expect("manifest JSON");
    if std::env::var_os("TALK_UPLOADER_CORPUS_PRINT").is_some() {
        for c in &manifest {
            let bytes = std::fs::read(format!("{DIR}/{}", c.file)).expect("file");
            println!("{:>48} {:>22}: {:?}", c.file, c.check, outcome(&c.check, &bytes));
        }
    }
    // Every file is listed, and every listed file exists.
    let mut on_disk = Vec::new();
    for sub in ["audio", "json"] {
        for e in std::fs::read_dir(format!("{DIR}/{sub}")).expect("corpus dir").flatten() {
            on_disk.push(format!("{sub}/{}", e.file_name().to_string_lossy()));
        }
    }
    for f in &on_disk {
        assert!(manifest.iter().any(|c| &c.file == f), "{f} is not in tests/corpus/manifest.json");
    }
    let mut failures = Vec::new();
    for c in &manifest {
        let bytes = std::fs::read(format!("{DIR}/{}", c.file)).unwrap_or_else(|e| panic!("{}: {e}", c.file));
        for (got, path, line, column) in outcome(&c.check, &bytes) {
            let ok = got == c.expect
                && c.path.as_ref().is_none_or(|p| Some(p) == path.as_ref())
                && c.line.is_none_or(|l| Some(l) == line)
                && c.column.is_none_or(|col| Some(col) == column);
            if !ok {
                failures.push(format!("{} ({}): expected {} {:?} {:?}:{:?}, got {got} {path:?} {line:?}:{column:?}", c.file, c.check, c.expect, c.path, c.line, c.column));
            }
        }
    }
    assert!(failures.is_empty(), "{} corpus case(s) failed:\n{}", failures.len(), failures.join("\n"));
    println!("corpus: {} files, all with their expected code", manifest.len());
}

const MB: usize = 1_000_000;

/// A pretty-printed SpeechSense chat of about `size` bytes, valid up to its last message, whose
/// timestamp is `last_ts`.
fn big_chat(size: usize, last_ts: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(size + 200);
    v.extend_from_slice(b"{\"messages\": [\n");
    let mut minute = 0u64;
    while v.len() < size {
        let (h, m) = ((minute / 60) % 24, minute % 60);
        v.extend_from_slice(format!("  {{\"user_id\": \"1\", \"text\": \"message number {minute}\", \"timestamp\": \"2023-09-13T{h:02}:{m:02}:00Z\"}},\n").as_bytes());
        minute += 1;
    }
    v.extend_from_slice(format!("  {{\"user_id\": \"1\", \"text\": \"last\", \"timestamp\": \"{last_ts}\"}}\n]}}\n").as_bytes());
    v
}

fn lines(v: &[u8]) -> u32 {
    v.iter().filter(|&&b| b == b'\n').count() as u32
}

#[test]
fn a_50_mb_document_with_one_error_at_its_end() {
    let chat = big_chat(50 * MB, "2023-02-30T10:00:00Z");
    let r = validate(&chat, &ValidateOptions::new(ValidationKind::SpeechsenseChat));
    assert_eq!(r.error_codes(), ["invalid_calendar_date"], "{:?}", r.errors.first());
    let e = &r.errors[0];
    assert_eq!(e.line, Some(lines(&chat) - 1));
    assert_eq!(e.column, Some(49));
    assert_eq!(e.path, format!("/messages/{}/timestamp", r.stats.items - 1));
    assert!(!r.truncated);

    // The same document cut before its last bracket: one syntax error at the very end.
    let cut = &chat[..chat.len() - 2];
    let r = validate(cut, &ValidateOptions::new(ValidationKind::SpeechsenseChat));
    assert_eq!(r.error_codes(), ["unexpected_end"]);
    assert_eq!(r.errors[0].line, Some(lines(cut) + 1));
}

#[test]
fn nesting_100000_deep_is_too_deep_not_a_stack_overflow() {
    let n = 100_000;
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let doc = format!("{}1{}", open.repeat(n), close.repeat(n));
        for kind in ValidationKind::ALL {
            let r = validate(doc.as_bytes(), &ValidateOptions::new(kind));
            assert_eq!(r.error_codes(), ["too_deep"], "{open}");
            assert_eq!(r.errors[0].column, Some(512 * open.len() as u32 + 1));
        }
    }
    // Deep and never closed, and deep inside a string: still one clear error.
    let r = validate("[".repeat(n).as_bytes(), &ValidateOptions::new(ValidationKind::LabelboxImport));
    assert_eq!(r.error_codes(), ["too_deep"]);
    let s = format!("{{\"messages\": \"{}\"}}", "[".repeat(n));
    assert_eq!(validate(s.as_bytes(), &ValidateOptions::new(ValidationKind::SpeechsenseChat)).error_codes(), ["wrong_type"]);
}

#[test]
fn huge_strings() {
    let big = "é".repeat(10 * MB);
    let chat = |text: &str| format!("{{\"messages\": [{{\"user_id\": \"1\", \"text\": \"{text}\", \"timestamp\": \"2023-09-13T17:30:00Z\"}}]}}");
    let v = ValidateOptions::new(ValidationKind::SpeechsenseChat);
    // 20 MB of text is fine.
    assert!(validate(chat(&big).as_bytes(), &v).ok);
    // Unterminated: one error at the end, pointing back at where the string started.
    let open = format!("{{\"messages\": \"{big}");
    let r = validate(open.as_bytes(), &v);
    assert_eq!(r.error_codes(), ["unexpected_end"]);
    assert!(r.errors[0].message.contains("line 1, column 14"), "{}", r.errors[0].message);
    assert_eq!(r.errors[0].column, Some(15 + 10 * MB as u32));
    // A bad escape after 20 MB, at its UTF-16 column.
    let r = validate(chat(&format!("{big}\\x41")).as_bytes(), &v);
    assert_eq!(r.error_codes(), ["invalid_escape"]);
    assert_eq!(r.errors[0].column, Some(41 + 10 * MB as u32));
    // Escapes only: 6 bytes each, all decoded.
    let escaped = "\\u00e9".repeat(MB);
    assert!(validate(chat(&escaped).as_bytes(), &v).ok);
    // A 10 MB key, duplicated: the issue quotes it clipped, the position is exact.
    let key = "k".repeat(10 * MB);
    let doc = format!("{{\"{key}\": \"1\", \"{key}\": \"2\"}}");
    let r = validate(doc.as_bytes(), &ValidateOptions::new(ValidationKind::SpeechsenseMetadata));
    let dup = r.errors.iter().find(|i| i.code.as_str() == "duplicate_key").expect("duplicate");
    assert!(dup.message.len() < 2200 && dup.path.len() < 1100, "{} {}", dup.message.len(), dup.path.len());
    assert_eq!(dup.column, Some(10 * MB as u32 + 11));
}

/// CPU time of this thread in nanoseconds (`/proc/thread-self/schedstat`), not wall-clock time:
/// time spent waiting for a core on a busy machine does not count.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

fn cost(f: &dyn Fn()) -> Option<u64> {
    (0..3)
        .map(|_| {
            let t = cpu_ns()?;
            f();
            Some(cpu_ns()?.saturating_sub(t))
        })
        .min()
        .flatten()
}

/// Inputs of every costly shape at n and 4n: the CPU time must grow about 4x (less than 10x;
/// quadratic work would be 16x). Skipped where the kernel gives no per-thread CPU time.
#[test]
fn no_input_takes_more_than_linear_time() {
    let n = if cfg!(debug_assertions) { MB / 2 } else { 4 * MB };
    type Gen = fn(usize) -> (ValidationKind, Vec<u8>);
    let shapes: [(&str, Gen); 6] = [
        ("chat, every message wrong", |s| {
            let mut v = big_chat(s, "x");
            let text = String::from_utf8_lossy(&v).replace("Z\"}", "\"}");
            v = text.into_bytes();
            (ValidationKind::SpeechsenseChat, v)
        }),
        ("array of objects with a duplicate key each", |s| {
            let mut v = b"[".to_vec();
            while v.len() < s {
                v.extend_from_slice(b"{\"a\":1,\"a\":2},");
            }
            v.extend_from_slice(b"{}]");
            (ValidationKind::LabelboxImport, v)
        }),
        ("one object with many keys, every key twice", |s| {
            let mut v = b"{".to_vec();
            let mut i = 0;
            while v.len() < s {
                v.extend_from_slice(format!("\"k{}\":\"v\",", i / 2).as_bytes());
                i += 1;
            }
            v.extend_from_slice(b"\"z\":\"v\"}");
            (ValidationKind::SpeechsenseMetadata, v)
        }),
        ("deep nesting repeated", |s| {
            let mut v = b"[".to_vec();
            while v.len() < s {
                v.extend_from_slice(&b"[".repeat(400));
                v.extend_from_slice(&b"]".repeat(400));
                v.push(b',');
            }
            v.extend_from_slice(b"0]");
            (ValidationKind::LabelboxImport, v)
        }),
        ("labelbox messages with unknown members", |s| {
            let mut v = b"{\"type\":\"application/vnd.labelbox.conversational\",\"version\":1,\"messages\":[".to_vec();
            while v.len() < s {
                v.extend_from_slice(b"{\"messageid\":\"m\",\"contents\":\"x\",\"usr\":{},\"algn\":\"left\"},");
            }
            v.extend_from_slice(b"{}]}");
            (ValidationKind::LabelboxConversation, v)
        }),
        ("one line, many errors (columns)", |s| {
            let mut v = b"{\"messages\":[".to_vec();
            while v.len() < s {
                v.extend_from_slice("{\"user_id\":\"é\",\"text\":1,\"timestamp\":\"2023-02-30T00:00:00Z\"},".as_bytes());
            }
            v.extend_from_slice(b"{}]}");
            (ValidationKind::SpeechsenseChat, v)
        }),
    ];
    if cpu_ns().is_none() {
        println!("no /proc/thread-self/schedstat: linear-time check skipped");
        return;
    }
    for (name, gen) in shapes {
        let (kind, small) = gen(n);
        let (_, large) = gen(4 * n);
        let o = ValidateOptions::new(kind);
        let (Some(a), Some(b)) = (cost(&|| drop(validate(&small, &o))), cost(&|| drop(validate(&large, &o)))) else { return };
        let ratio = b as f64 / a.max(1) as f64;
        println!("{name:>44}: {:.1} MB {:.1} ms, {:.1} MB {:.1} ms, ratio {ratio:.2}", small.len() as f64 / 1e6, a as f64 / 1e6, large.len() as f64 / 1e6, b as f64 / 1e6);
        assert!(ratio < 10.0, "{name}: 4x the input took {ratio:.1}x the CPU time");
    }
}
