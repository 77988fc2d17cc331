#![cfg(not(target_arch = "wasm32"))]
//! `zip::inspect` against archives written here byte by byte: stored and deflated entries, data
//! descriptors, Zip64 (a sparse synthetic file of 5 GiB), damaged directories, a 65,535-byte
//! comment, unsafe names, encryption, and CSV/TSV/JSON contents with exact positions.

use talk_uploader::zip::sample::Miniz;
use talk_uploader::zip::{block_on, inspect, RangeSource, ZipOptions, ZipReport};

mod zip_support;
use zip_support::*;

fn run(bytes: &[u8]) -> ZipReport {
    run_with(bytes, &ZipOptions::default())
}

fn run_with(bytes: &[u8], options: &ZipOptions) -> ZipReport {
    let mut src: &[u8] = bytes;
    block_on(inspect(&mut src, &mut Miniz, bytes.len() as u64, options)).unwrap()
}

const CSV: &[u8] = b"call_id,agent,date\n1,Ann,2024-05-06\n2,\"Bo, Jr\",2024-05-07\n";

#[test]
fn a_clean_batch_lists_every_entry() {
    let chat = br#"{"messages": [{"user_id": "1", "text": "hi", "timestamp": "2023-09-13T17:30:00.000Z"}]}"#;
    let z = write_zip(
        &[entry("calls.csv", CSV), deflated("more/calls.tsv", b"a\tb\n1\t2\n"), deflated("chat.json", chat), entry("readme.txt", b"x"), entry("dir/", b"")],
        false,
        b"",
    );
    let r = run(&z.bytes);
    assert!(r.ok, "{:?}", r.errors);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let kinds: Vec<_> = r.entries.iter().map(|e| (e.name.as_str(), e.kind, e.method.as_str())).collect();
    assert_eq!(
        kinds,
        [("calls.csv", "csv", "stored"), ("more/calls.tsv", "tsv", "deflate"), ("chat.json", "json", "deflate"), ("readme.txt", "other", "stored"), ("dir/", "other", "stored")]
    );
    assert_eq!(r.stats.entries, 5);
    assert_eq!(r.stats.data_entries, 3);
    assert_eq!(r.stats.sampled_bytes, (CSV.len() + 8 + chat.len()) as u64);
}

#[test]
fn positions_point_inside_the_entry() {
    let bad = b"id,name\n1,a\n2,b,c\n3\n";
    let z = write_zip(&[deflated("x/bad.csv", bad), entry("ok.csv", CSV)], false, b"");
    let r = run(&z.bytes);
    assert_eq!(r.error_codes(), ["csv_column_count", "csv_column_count"]);
    let e = &r.errors[0];
    assert_eq!((e.entry.as_deref(), e.path.as_str(), e.line, e.column), (Some("x/bad.csv"), "/2/2", Some(3), Some(5)));
    let e = &r.errors[1];
    assert_eq!((e.path.as_str(), e.line, e.column), ("/3/1", Some(4), Some(2)));
}

#[test]
fn a_known_chat_format_is_validated_and_plain_json_only_parsed() {
    let chat = br#"{"messages": [{"user_id": "1", "text": "hi", "timestamp": "2023-02-30T17:30:00.000Z"}]}"#;
    let z = write_zip(&[entry("chat.json", chat), entry("other.json", b"{\"a\": [1, 2]}"), entry("broken.json", b"{\"a\": [1,, 2]}")], false, b"");
    let r = run(&z.bytes);
    let got: Vec<_> = r.errors.iter().map(|e| (e.entry.as_deref().unwrap(), e.code.as_str(), e.path.as_str())).collect();
    assert_eq!(got, [("chat.json", "invalid_calendar_date", "/messages/0/timestamp"), ("broken.json", "unexpected_character", "/a/1")]);
}

#[test]
fn a_sample_cut_mid_record_or_mid_value_is_not_an_error() {
    let mut csv = b"a,b\n".to_vec();
    while csv.len() < 200_000 {
        csv.extend(b"12345,\"quoted, text\"\n");
    }
    let mut json = b"{\"rows\": [".to_vec();
    while json.len() < 200_000 {
        json.extend(b"{\"k\": \"\\u00e9t\\u00e9\", \"n\": 12345.678, \"t\": true}, ");
    }
    for limit in [1000, 4097, 65_536, 65_537] {
        let z = write_zip(&[deflated("big.csv", &csv), entry("big.json", &json)], false, b"");
        let r = run_with(&z.bytes, &ZipOptions { sample_bytes: limit, ..ZipOptions::default() });
        assert!(r.ok, "limit {limit}: {:?}", r.errors);
        assert_eq!(r.stats.sampled_bytes, 2 * limit as u64);
    }
}

#[test]
fn data_descriptors_and_a_long_comment() {
    let mut e = deflated("calls.csv", CSV);
    e.descriptor = true;
    let comment = vec![b'c'; 65_535];
    let z = write_zip(&[e], false, &comment);
    let r = run(&z.bytes);
    assert!(r.ok, "{:?}", r.errors);
    // The EOCD is found in the second, 64 KiB read from the end, not the first 4 KiB one.
    assert!(r.stats.reads <= 5, "{} reads", r.stats.reads);
}

#[test]
fn refusals_have_their_codes() {
    let mut enc = entry("secret.csv", CSV);
    enc.flags |= 1;
    let mut bz = entry("x.csv", CSV);
    bz.method = Some(12);
    let cases: Vec<(Vec<E>, &[&str])> = vec![
        (vec![entry("../evil.csv", CSV)], &["zip_unsafe_name", "zip_no_data_entries"][..1]),
        (vec![entry("/abs.csv", CSV), entry("C:/x.csv", CSV), entry("a\\b.csv", CSV)], &["zip_unsafe_name", "zip_unsafe_name", "zip_unsafe_name"]),
        (vec![entry("a.csv", CSV), entry("a.csv", CSV)], &["zip_duplicate_name"]),
        (vec![enc], &["zip_encrypted_entry"]),
        (vec![bz], &["zip_unsupported"]),
        (vec![entry("a.txt", b"x"), entry("b.wav", b"RIFF")], &["zip_no_data_entries"]),
    ];
    for (entries, want) in cases {
        let z = write_zip(&entries, false, b"");
        let r = run(&z.bytes);
        assert_eq!(r.error_codes(), want, "{:?}", r.entries);
        assert!(r.errors.iter().all(|e| !e.message.is_empty()));
    }
    let z = write_zip(&[entry("a.csv", CSV), entry("A.csv", CSV)], false, b"");
    let r = run(&z.bytes);
    assert!(r.ok);
    assert_eq!(r.warnings[0].code.as_str(), "zip_duplicate_name");
    // An exact repeat is an error (on the later entry), and only the entries that are not exact
    // repeats are compared in other letter case: A.csv warns once, the second a.csv does not.
    let z = write_zip(&[entry("a.csv", CSV), entry("A.csv", CSV), entry("a.csv", CSV), entry("b.csv", CSV)], false, b"");
    let r = run(&z.bytes);
    assert_eq!(r.error_codes(), ["zip_duplicate_name"]);
    let codes: Vec<&str> = r.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["zip_duplicate_name"]);
}

#[test]
fn not_zips_and_damaged_zips() {
    for junk in [&b""[..], b"PK", b"hello world", &[0u8; 100_000]] {
        assert_eq!(run(junk).error_codes(), ["not_a_zip"]);
    }
    let z = write_zip(&[entry("a.csv", CSV), entry("b.csv", CSV)], false, b"");
    // Break the second central header's signature.
    let mut bad = z.bytes.clone();
    let cd = bad.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    bad[cd] = b'X';
    let r = run(&bad);
    assert!(r.error_codes().contains(&"zip_corrupt"), "{:?}", r.errors);
    assert_eq!(r.entries.len(), 1);
    // A lying CRC.
    let mut bad = z.bytes.clone();
    let i = bad.windows(3).position(|w| w == b"Ann").unwrap();
    bad[i] = b'B';
    assert_eq!(run(&bad).error_codes(), ["zip_corrupt"]);
    // A truncated file.
    let cut = &z.bytes[..z.bytes.len() - 30];
    assert_eq!(run(cut).error_codes(), ["not_a_zip"]);
}

/// A file of `size` bytes that holds `parts` at their offsets and zeros elsewhere.
struct Sparse {
    size: u64,
    parts: Vec<(u64, Vec<u8>)>,
}

impl RangeSource for Sparse {
    type Error = ();
    async fn read(&mut self, start: u64, len: usize) -> Result<Vec<u8>, ()> {
        let end = (start + len as u64).min(self.size);
        let mut v = vec![0u8; end.saturating_sub(start) as usize];
        for (at, bytes) in &self.parts {
            let (a, b) = (*at, at + bytes.len() as u64);
            let (lo, hi) = (a.max(start), b.min(end));
            if lo < hi {
                v[(lo - start) as usize..(hi - start) as usize].copy_from_slice(&bytes[(lo - a) as usize..(hi - a) as usize]);
            }
        }
        Ok(v)
    }
}

#[test]
fn zip64_archive_of_five_gib_reads_a_few_kib() {
    // One stored entry of 5 GiB: a CSV header and rows, then zeros up to the directory.
    const BIG: u64 = 5 << 30;
    let head = b"id,x\n1,2\n".to_vec();
    let name = b"huge.csv";
    let mut local = Vec::new();
    le32(&mut local, 0x0403_4b50);
    local.extend([45, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    le32(&mut local, u32::MAX);
    le32(&mut local, u32::MAX);
    le16(&mut local, name.len() as u16);
    le16(&mut local, 0);
    local.extend(name);
    let data_at = local.len() as u64;
    let cd_offset = data_at + BIG;
    let mut cd = Vec::new();
    le32(&mut cd, 0x0201_4b50);
    cd.extend([45, 0, 45, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    le32(&mut cd, u32::MAX);
    le32(&mut cd, u32::MAX);
    le16(&mut cd, name.len() as u16);
    le16(&mut cd, 28);
    le16(&mut cd, 0);
    le16(&mut cd, 0);
    le16(&mut cd, 0);
    le32(&mut cd, 0);
    le32(&mut cd, u32::MAX);
    cd.extend(name);
    le16(&mut cd, 1);
    le16(&mut cd, 24);
    le64(&mut cd, BIG);
    le64(&mut cd, BIG);
    le64(&mut cd, 0);
    let mut tail = cd.clone();
    finish(&mut tail, cd_offset, 1, cd.len() as u64, cd_offset, true, b"");
    let size = cd_offset + tail.len() as u64;
    let mut src = Sparse { size, parts: vec![(0, local), (data_at, head), (cd_offset, tail)] };
    // Printed for the record, never asserted (these machines are noisy).
    let started = std::time::Instant::now();
    let r = block_on(inspect(&mut src, &mut Miniz, size, &ZipOptions::default())).unwrap();
    let took = started.elapsed();
    // Over 3 GB: refused, but still listed and sampled.
    assert_eq!(r.error_codes(), ["zip_too_large"], "{:?}", r.errors);
    assert_eq!(r.entries[0].size, BIG);
    assert_eq!(r.entries[0].name, "huge.csv");
    assert_eq!(r.stats.sampled_bytes, 65_536);
    assert!(r.stats.bytes_read < 80 * 1024, "{} bytes read", r.stats.bytes_read);
    println!("5 GiB zip64: {} reads, {} bytes read, {took:?}", r.stats.reads, r.stats.bytes_read);
}

#[test]
fn an_entry_needing_zip64_in_a_small_archive() {
    let text: Vec<u8> = (0..50_000u32).flat_map(|i| format!("{i},x\n").into_bytes()).collect();
    let mut e = deflated("calls.csv", &[b"id,v\n".as_slice(), &text].concat());
    e.declared_size = Some(5 << 30);
    let z = write_zip(&[e], true, b"");
    let r = run(&z.bytes);
    assert!(r.ok, "{:?}", r.errors);
    assert_eq!(r.entries[0].size, 5 << 30);
}

#[test]
fn issues_are_capped() {
    let mut csv = b"a,b\n".to_vec();
    for _ in 0..5000 {
        csv.extend(b"1\n");
    }
    let z = write_zip(&[entry("many.csv", &csv)], false, b"");
    let r = run_with(&z.bytes, &ZipOptions { max_issues: 100, ..ZipOptions::default() });
    assert!(r.truncated);
    assert_eq!(r.errors.len(), 101);
    assert_eq!(r.errors.last().unwrap().code.as_str(), "too_many_issues");
}

#[test]
fn sampled_entries_inflate_as_specified() {
    for c in sample_cases() {
        let r = run_with(&c.zip, &ZipOptions { sample_bytes: c.sample_bytes, ..ZipOptions::default() });
        let got: Vec<(String, String)> = r.errors.iter().map(|e| (e.code.as_str().to_owned(), e.message.clone())).collect();
        let want: Vec<(String, String)> = c.errors.iter().map(|(c, m)| (c.to_string(), m.clone())).collect();
        assert_eq!(error_starts(&got, &c.errors), want, "{}", c.what);
        assert_eq!(r.stats.sampled_bytes, c.sampled_bytes, "{}", c.what);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
        std::env::var("TALK_UPLOADER_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)))]

    /// Arbitrary bytes, and mutations of a valid zip: errors only, never a panic.
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
                    flips in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 0..8)) {
        let _ = run(&bytes);
        let z = write_zip(&[deflated("a.csv", CSV), entry("b.json", b"{\"x\": 1}"), entry("c.tsv", b"a\tb\n")], false, b"hi");
        let mut m = z.bytes.clone();
        for (i, b) in flips {
            let n = m.len();
            m[i % n] = b;
        }
        let _ = run(&m);
    }
}
