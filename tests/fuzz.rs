//! Time-bounded fuzzing over arbitrary bytes, with proptest's generators and shrinking (there is
//! no `cargo fuzz` here: it needs nightly and libFuzzer, and `npm test` runs on stable).
//!
//! Each target runs for `TALK_UPLOADER_FUZZ_SECS` seconds (default 3; `npm test` runs the six
//! in about 18 s), starting from the inputs in `tests/regressions/fuzz/<target>/` and from
//! structured seeds, then mutations and plain random bytes. A panic is shrunk, written to
//! `tests/regressions/fuzz/<target>/crash-<hash>.bin` (commit it: it is replayed first from then
//! on) and fails the test. A long run is one command:
//!
//! ```sh
//! TALK_UPLOADER_FUZZ_SECS=600 cargo test --release --test fuzz -- --nocapture --test-threads 1
//! ```
//!
//! Every run prints its executions per target and its seed (`TALK_UPLOADER_FUZZ_SEED` repeats it).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use talk_uploader::audio;
use talk_uploader::convert::{convert_chat, ChatFormat, ConvertOptions};
use talk_uploader::formats::speechsense::{ConnectionKind, FieldDecl, FieldType};
use talk_uploader::grpc_web::{response, status};
use talk_uploader::s3_post::policy;
use talk_uploader::validate::{validate, ValidateOptions, ValidationKind};

#[path = "zip_support/mod.rs"]
mod zip_support;

fn budget() -> Duration {
    let secs = std::env::var("TALK_UPLOADER_FUZZ_SECS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(3.0);
    Duration::from_secs_f64(secs.max(0.0))
}

fn seed() -> u64 {
    std::env::var("TALK_UPLOADER_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    })
}

fn regressions(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/fuzz").join(target)
}

/// FNV-1a, to name a crash file by its content.
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

fn panics(f: &dyn Fn(&[u8]), input: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| f(input))).is_err()
}

/// Runs `f` over the saved regressions, then over generated inputs until the budget is spent.
/// Returns the number of executions.
fn fuzz(target: &str, seeds: &[&[u8]], f: &dyn Fn(&[u8])) -> u64 {
    let dir = regressions(target);
    let mut execs = 0u64;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let input = std::fs::read(e.path()).unwrap_or_default();
            assert!(!panics(f, &input), "{target}: the saved regression {} panics again", e.path().display());
            execs += 1;
        }
    }
    for s in seeds {
        assert!(!panics(f, s), "{target}: a seed panics");
        execs += 1;
    }
    let seed = seed();
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let owned: Vec<Vec<u8>> = seeds.iter().map(|s| s.to_vec()).collect();
    let strategy = input_strategy(owned);
    // Silence the default hook's message for each caught panic; the crash is reported below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let deadline = Instant::now() + budget();
    let mut crash = None;
    while Instant::now() < deadline {
        let Ok(mut tree) = strategy.new_tree(&mut runner) else { continue };
        execs += 1;
        if panics(f, &tree.current()) {
            // Shrink: keep simplifying while it still panics.
            let mut smallest = tree.current();
            while tree.simplify() {
                if panics(f, &tree.current()) {
                    smallest = tree.current();
                } else if !tree.complicate() {
                    break;
                }
            }
            crash = Some(smallest);
            break;
        }
    }
    std::panic::set_hook(hook);
    if let Some(input) = crash {
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join(format!("crash-{:016x}.bin", hash(&input)));
        std::fs::write(&path, &input).ok();
        // Run once more with the hook back, so the panic message is shown.
        let _ = catch_unwind(AssertUnwindSafe(|| f(&input)));
        panic!("{target}: panics on {} bytes, saved as {} (seed {seed}); commit it with the fix", input.len(), path.display());
    }
    println!("fuzz {target}: {execs} executions, 0 panics, seed {seed}");
    execs
}

/// Random bytes, seeds with byte edits, and seeds spliced with random tokens.
fn input_strategy(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    let random = prop::collection::vec(any::<u8>(), 0..512).boxed();
    if seeds.is_empty() {
        return random;
    }
    let token = prop_oneof![
        Just(b",".to_vec()), Just(b"]".to_vec()), Just(b"}".to_vec()), Just(b"{".to_vec()), Just(b"[".to_vec()),
        Just(b"\"".to_vec()), Just(b"\\u".to_vec()), Just(b"\\ud800".to_vec()), Just(b"\xff".to_vec()), Just(b"\xf0\x9f".to_vec()),
        Just(b"\x00\x00\x00\x00".to_vec()), Just(b"\xff\xff\xff\xff".to_vec()), Just(b"\x80\x00\x00\x00\x05".to_vec()),
        Just(b"%".to_vec()), Just(b"\r\n".to_vec()), Just(b"=".to_vec()), prop::collection::vec(any::<u8>(), 1..8)
    ];
    let n = seeds.len();
    let mutated = (0..n, prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, token, any::<u8>()), 1..6))
        .prop_map(move |(i, edits)| {
            let mut v = seeds[i].clone();
            for (at, kind, tok, byte) in edits {
                let pos = if v.is_empty() { 0 } else { at.index(v.len() + 1) };
                match kind {
                    0 => {
                        v.splice(pos..pos, tok);
                    }
                    1 => {
                        let end = (pos + tok.len()).min(v.len());
                        v.splice(pos..end, tok);
                    }
                    2 => {
                        let end = (pos + byte as usize % 16).min(v.len());
                        v.drain(pos..end);
                    }
                    _ => {
                        if let Some(b) = v.get_mut(pos) {
                            *b ^= byte | 1;
                        }
                    }
                }
            }
            v
        })
        .boxed();
    prop_oneof![1 => random, 3 => mutated].boxed()
}

const CHAT: &[u8] = br#"{"messages":[{"user_id":1111,"text":"Hi \u00e9","timestamp":"2023-09-13T17:30:00.000Z"},{"user_id":"2222","text":"","timestamp":"2023-09-13T17:29:00+03:00"}]}"#;
const META: &[u8] = br#"{"operator_name":"Ann","operator_id":"1111","client_name":"Bo","client_id":"2222","date":"2023-09-13T17:30:00.000","date_from":"2023-09-13T17:30:00Z","date_to":"2023-09-13T17:31:00Z","language":"ru-RU","n":"12"}"#;
const VELA: &[u8] = br#"{"org_id":"o","chat_data":{"session_id":"s","agent_id":"a","customer_id":null,"start_time":"2024-01-15T10:30:00Z","end_time":"2024-01-15T10:45:00Z","messages":[{"timestamp":"2024-01-15T10:30:00Z","sender":"customer","content":"Hello"}]},"metadata":{"c":"w"}}"#;
const CALL: &[u8] = br#"{"org_id":"o","metadata":{"email":"a@example.com","date_of_call":"2024-01-15"}}"#;
const LABELBOX: &[u8] = br#"{"type":"application/vnd.labelbox.conversational","version":1,"messages":[{"messageId":"m0","timestampUsec":1530718491000000,"content":"x","user":{"userId":"u","name":"n"},"align":"left","canLabel":false}]}"#;
const IMPORT: &[u8] = br#"[{"row_data":"https://x.org/a.json","global_key":"k","media_type":"CONVERSATIONAL","metadata_fields":[]}]"#;

#[test]
fn fuzz_validate_every_kind_and_convert() {
    let opts: Vec<ValidateOptions> = ValidationKind::ALL
        .into_iter()
        .map(|k| {
            let mut o = ValidateOptions::new(k);
            o.metadata = Some(String::from_utf8_lossy(META).into_owned());
            o.connection = Some(ConnectionKind::Chat);
            o.fields = vec![FieldDecl::new("n", FieldType::Number), FieldDecl::new("j", FieldType::Json)];
            o.max_issues = 50;
            o
        })
        .collect();
    let execs = fuzz("validate", &[CHAT, META, VELA, CALL, LABELBOX, IMPORT], &|input| {
        for o in &opts {
            let r = validate(input, o);
            assert_eq!(r.ok, r.errors.is_empty());
            assert!(r.errors.len() + r.warnings.len() <= 51);
            for i in r.errors.iter().chain(&r.warnings) {
                assert!(i.path.is_empty() || i.path.starts_with('/'), "{:?}", i);
            }
        }
        for (from, to) in [(ChatFormat::Speechsense, ChatFormat::Vela), (ChatFormat::Vela, ChatFormat::Labelbox), (ChatFormat::Labelbox, ChatFormat::Speechsense)] {
            let o = ConvertOptions { metadata: Some(String::from_utf8_lossy(META).into_owned()), org_id: Some("o".into()), ..ConvertOptions::new(from, to) };
            let r = convert_chat(input, &o);
            assert_eq!(r.ok, r.errors.is_empty());
        }
        let _ = talk_uploader::prepare::vela::prepare_chat_upload(input, "o", Some(input));
    });
    assert!(execs > 0);
}

/// A RIFF/WAVE header, an Ogg page and an MP3 frame header, to mutate from.
fn audio_seeds() -> Vec<Vec<u8>> {
    let mut wav = b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x44\xac\x00\x00\x10\xb1\x02\x00\x04\x00\x10\x00data\x00\x08\x00\x00".to_vec();
    wav.extend_from_slice(&[0u8; 64]);
    let ogg = b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00".to_vec();
    let mut mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a".to_vec();
    mp3.extend_from_slice(&[0u8; 10]);
    for _ in 0..4 {
        mp3.extend_from_slice(b"\xff\xfb\x90\x64");
        mp3.extend_from_slice(&[0u8; 413]);
    }
    let head = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/regressions/wav-pluck-pcm24-ext.head.bin")).unwrap_or_default();
    vec![wav, ogg, mp3, head]
}

#[test]
fn fuzz_audio_sniffer() {
    let seeds = audio_seeds();
    let refs: Vec<&[u8]> = seeds.iter().map(|s| s.as_slice()).collect();
    fuzz("audio", &refs, &|input| {
        // The size is read from the input too, so lying and huge sizes are covered.
        let size = input.get(..8).map_or(input.len() as u64, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
        for total in [input.len() as u64, size, u64::MAX, 1] {
            let _ = audio::sniff(input, total, Some(input));
            let _ = audio::sniff(input, total, None);
            let _ = audio::sniff_mp3_at(input, total / 2, total, Some(input));
        }
    });
}

#[test]
fn fuzz_grpc_web_response_and_trailers() {
    let ok = response::encode_trailer_frame(&[("grpc-status", "0"), ("grpc-message", "ok%20fine")]).unwrap_or_default();
    let mut unary = vec![0u8, 0, 0, 0, 3, 0x0a, 0x01, b'x'];
    unary.extend_from_slice(&ok);
    let trailer_text = b"grpc-status: 3\r\ngrpc-message: bad%ZZ%e2%82\r\nx-a: b".to_vec();
    fuzz("grpc-web", &[&unary, &ok, &trailer_text], &|input| {
        let _ = response::parse_response(input);
        if let Ok(pairs) = response::parse_trailers(input) {
            let _ = status::status_from_metadata(&pairs);
        }
        let text = String::from_utf8_lossy(input);
        let _ = status::percent_decode_grpc_message(&text);
        let headers = vec![("grpc-status".to_owned(), text.clone().into_owned()), ("grpc-message".to_owned(), text.into_owned())];
        let _ = status::decode_unary::<talk_uploader::proto::speechsense::UploadTextResponse>(input, &headers, 200);
        let _ = status::decode_unary::<talk_uploader::proto::speechsense::UploadTextResponse>(input, &[], 502);
    });
}

#[test]
fn fuzz_s3_policy_decoder() {
    use base64::Engine as _;
    let json = br#"{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","org/"],["content-length-range",1,104857600],["eq","$x-amz-algorithm","AWS4-HMAC-SHA256"]]}"#;
    let b64 = base64::engine::general_purpose::STANDARD.encode(json);
    fuzz("s3-policy", &[json, b64.as_bytes()], &|input| {
        let _ = policy::parse_policy_json(input);
        let text = String::from_utf8_lossy(input);
        let _ = policy::decode_policy(&text);
        let _ = policy::decode_policy(&base64::engine::general_purpose::STANDARD.encode(input));
        if let Ok(p) = policy::parse_policy_json(input) {
            let _ = p.content_length_range();
            for c in p.conditions_on("key") {
                let _ = c.accepts(&text);
            }
        }
    });
}

#[test]
fn fuzz_s3_error_xml() {
    let aws = b"<Error><Code>AccessDenied</Code><Message>Invalid &amp; &#x41; &lt;x&gt;</Message><RequestId>1</RequestId></Error>";
    fuzz("s3-xml", &[aws], &|input| {
        let _ = talk_uploader::s3_post::parse_s3_error(&String::from_utf8_lossy(input));
    });
}

#[test]
fn fuzz_zip_reader() {
    use zip_support::{deflated, entry, write_zip};
    let csv = b"call_id,agent,date\n1,Ann,2024-05-06\n2,\"Bo, Jr\",2024-05-07\n";
    let seeds = [
        write_zip(&[entry("calls.csv", csv), deflated("chat.json", VELA)], false, b"").bytes,
        write_zip(&[deflated("a.tsv", b"a\tb\n1\t2\n"), entry("../x.csv", csv)], true, b"a comment").bytes,
        write_zip(&[entry("m.json", META)], false, &[b'z'; 300]).bytes,
    ];
    let refs: Vec<&[u8]> = seeds.iter().map(|s| s.as_slice()).collect();
    let options = talk_uploader::zip::ZipOptions::default();
    fuzz("zip", &refs, &|input| {
        let mut src: &[u8] = input;
        let r = talk_uploader::zip::block_on(talk_uploader::zip::inspect(&mut src, &mut talk_uploader::zip::sample::Miniz, input.len() as u64, &options));
        let Ok(r) = r;
        assert_eq!(r.ok, r.errors.is_empty());
        // A size that lies about the file: reads past the end come back short.
        let mut src: &[u8] = input;
        let _ = talk_uploader::zip::block_on(talk_uploader::zip::inspect(&mut src, &mut talk_uploader::zip::sample::Miniz, input.len() as u64 * 3 + 100, &options));
    });
}
