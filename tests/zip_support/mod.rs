//! A zip writer for tests: stored and deflated entries, data descriptors, Zip64 records and
//! comments, written byte by byte so that any field can be made to lie.
#![allow(dead_code)]

use talk_uploader::zip::sample::crc32;

/// One entry to write.
#[derive(Clone)]
pub struct E {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub deflate: bool,
    pub flags: u16,
    pub method: Option<u16>,
    /// Write sizes and CRC in a data descriptor instead of the local header.
    pub descriptor: bool,
    /// Sizes to declare instead of the real ones (for Zip64 and lying entries).
    pub declared_size: Option<u64>,
    /// The compressed bytes to write instead of `data` deflated (a damaged or cut stream).
    pub body: Option<Vec<u8>>,
    /// A CRC-32 to declare instead of the real one.
    pub crc: Option<u32>,
}

pub fn entry(name: &str, data: &[u8]) -> E {
    E { name: name.as_bytes().to_vec(), data: data.to_vec(), deflate: false, flags: 0x0800, method: None, descriptor: false, declared_size: None, body: None, crc: None }
}

pub fn deflated(name: &str, data: &[u8]) -> E {
    E { deflate: true, ..entry(name, data) }
}

pub struct Zip {
    pub bytes: Vec<u8>,
}

pub fn le16(v: &mut Vec<u8>, x: u16) {
    v.extend(x.to_le_bytes());
}
pub fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend(x.to_le_bytes());
}
pub fn le64(v: &mut Vec<u8>, x: u64) {
    v.extend(x.to_le_bytes());
}

/// Writes a zip; `zip64` forces Zip64 records; `comment` goes after the EOCD.
pub fn write_zip(entries: &[E], zip64: bool, comment: &[u8]) -> Zip {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let body = match &e.body {
            Some(b) => b.clone(),
            None if e.deflate => miniz_oxide::deflate::compress_to_vec(&e.data, 6),
            None => e.data.clone(),
        };
        let method = e.method.unwrap_or(if e.deflate { 8 } else { 0 });
        let size = e.declared_size.unwrap_or(e.data.len() as u64);
        let crc = e.crc.unwrap_or_else(|| crc32(&e.data));
        let offset = out.len() as u64;
        let flags = e.flags | if e.descriptor { 0x0008 } else { 0 };
        let big = zip64 || size > u32::MAX as u64;
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 45);
        le16(&mut out, flags);
        le16(&mut out, method);
        le32(&mut out, 0);
        if e.descriptor {
            le32(&mut out, 0);
            le32(&mut out, 0);
            le32(&mut out, 0);
        } else {
            le32(&mut out, crc);
            le32(&mut out, if big { u32::MAX } else { body.len() as u32 });
            le32(&mut out, if big { u32::MAX } else { size as u32 });
        }
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        out.extend(&e.name);
        out.extend(&body);
        if e.descriptor {
            le32(&mut out, 0x0807_4b50);
            le32(&mut out, crc);
            le32(&mut out, body.len() as u32);
            le32(&mut out, size as u32);
        }
        let mut extra = Vec::new();
        if big {
            le16(&mut extra, 1);
            le16(&mut extra, 24);
            le64(&mut extra, size);
            le64(&mut extra, body.len() as u64);
            le64(&mut extra, offset);
        }
        le32(&mut central, 0x0201_4b50);
        le16(&mut central, 45);
        le16(&mut central, 45);
        le16(&mut central, flags);
        le16(&mut central, method);
        le32(&mut central, 0);
        le32(&mut central, crc);
        le32(&mut central, if big { u32::MAX } else { body.len() as u32 });
        le32(&mut central, if big { u32::MAX } else { size as u32 });
        le16(&mut central, e.name.len() as u16);
        le16(&mut central, extra.len() as u16);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0);
        le32(&mut central, if big { u32::MAX } else { offset as u32 });
        central.extend(&e.name);
        central.extend(&extra);
    }
    let cd_offset = out.len() as u64;
    out.extend(&central);
    finish(&mut out, 0, entries.len() as u64, central.len() as u64, cd_offset, zip64, comment);
    Zip { bytes: out }
}

/// Appends the end records; `base` is the file offset where `out` starts.
pub fn finish(out: &mut Vec<u8>, base: u64, n: u64, cd_size: u64, cd_offset: u64, zip64: bool, comment: &[u8]) {
    if zip64 {
        let rec = base + out.len() as u64;
        le32(out, 0x0606_4b50);
        le64(out, 44);
        le16(out, 45);
        le16(out, 45);
        le32(out, 0);
        le32(out, 0);
        le64(out, n);
        le64(out, n);
        le64(out, cd_size);
        le64(out, cd_offset);
        le32(out, 0x0706_4b50);
        le32(out, 0);
        le64(out, rec);
        le32(out, 1);
    }
    le32(out, 0x0605_4b50);
    le16(out, 0);
    le16(out, 0);
    le16(out, if zip64 { 0xFFFF } else { n as u16 });
    le16(out, if zip64 { 0xFFFF } else { n as u16 });
    le32(out, if zip64 { u32::MAX } else { cd_size as u32 });
    le32(out, if zip64 { u32::MAX } else { cd_offset as u32 });
    le16(out, comment.len() as u16);
    out.extend(comment);
}


/// A deflated entry to sample, and what `inspect` must report: the same natively (miniz_oxide)
/// and in browsers (`DecompressionStream`).
pub struct SampleCase {
    pub what: String,
    pub zip: Vec<u8>,
    pub sample_bytes: usize,
    /// `(code, start of the message)` of each error, in order.
    pub errors: Vec<(&'static str, String)>,
    pub sampled_bytes: u64,
}

/// A non-final stored deflate block holding `data` (at most 65,535 bytes).
pub fn stored_block(data: &[u8]) -> Vec<u8> {
    let n = data.len() as u16;
    let mut v = vec![0u8];
    v.extend(n.to_le_bytes());
    v.extend((!n).to_le_bytes());
    v.extend(data);
    v
}

/// Rows of CSV, `n` bytes or a little more.
pub fn csv_rows(n: usize) -> Vec<u8> {
    let mut csv = b"call_id,agent,date\n".to_vec();
    let mut i = 0;
    while csv.len() < n {
        csv.extend(format!("{i},agent-{i},2024-05-06\n").as_bytes());
        i += 1;
    }
    csv
}

/// The sampled-inflate cases: whole entries and cut samples, the exact-size boundary where the
/// CRC-32 is checked, damaged, truncated and lying streams.
pub fn sample_cases() -> Vec<SampleCase> {
    const DAMAGED: &str = "the entry's deflate stream is damaged: the zip is damaged; make it again";
    let small = b"call_id,agent,date\n1,Ann,2024-05-06\n2,\"Bo, Jr\",2024-05-07\n".to_vec();
    let big = csv_rows(300_000);
    let packed = miniz_oxide::deflate::compress_to_vec(&big, 6);
    let mut cases = Vec::new();
    let mut case = |what: &str, e: E, sample_bytes: usize, errors: Vec<(&'static str, String)>, sampled_bytes: u64| {
        cases.push(SampleCase { what: what.to_owned(), zip: write_zip(&[e], false, b"").bytes, sample_bytes, errors, sampled_bytes });
    };
    let ok = Vec::new;
    case("a small entry, whole", deflated("a.csv", &small), 65_536, ok(), small.len() as u64);
    for limit in [1, 1000, 4097, 16_384, 65_536, 65_537, 200_000] {
        case(&format!("a big entry cut at {limit}"), deflated("big.csv", &big), limit, ok(), limit as u64);
    }
    let n = big.len();
    case("a big entry sampled at exactly its size", deflated("big.csv", &big), n, ok(), n as u64);
    let lying = E { crc: Some(crc32(&big) ^ 1), ..deflated("big.csv", &big) };
    let crc = ("zip_corrupt", "the entry's bytes do not match their CRC-32".to_owned());
    case("a lying CRC, sampled whole", lying.clone(), n, vec![crc.clone()], n as u64);
    case("a lying CRC, sampled whole with room to spare", lying.clone(), n + 1, vec![crc], n as u64);
    case("a lying CRC, one byte short of whole: not checked", lying, n - 1, ok(), n as u64 - 1);
    case("garbage instead of deflate", E { body: Some(vec![0xFF; 64]), ..deflated("g.csv", &small) }, 65_536, vec![("zip_corrupt", DAMAGED.to_owned())], 0);
    // 140,000 good bytes in stored blocks, then an invalid block type. (miniz_oxide reads up to
    // 32 KiB past what it returns, so the damage lies far past the short sample.)
    let good = &big[..140_000];
    let mut broken: Vec<u8> = good.chunks(65_535).flat_map(stored_block).collect();
    broken.extend([0xFF; 16]);
    let e = E { body: Some(broken), declared_size: Some(150_000), ..deflated("b.csv", good) };
    case("damage after 140000 good bytes", e.clone(), 200_000, vec![("zip_corrupt", DAMAGED.to_owned())], 0);
    case("damage far after the sample", e, 1000, ok(), 1000);
    let holds = |got: usize, says: usize| ("zip_corrupt", format!("the entry holds {got} bytes where the directory says {says}: the zip is damaged"));
    let e = E { body: Some(stored_block(&big[..3000])), declared_size: Some(6000), ..deflated("t.csv", &big[..6000]) };
    case("a stream cut after 3000 of 6000 bytes", e.clone(), 65_536, vec![holds(3000, 6000)], 3000);
    case("a stream cut after the sample", e, 3000, ok(), 3000);
    let e = E { body: Some(packed[..packed.len() / 2].to_vec()), ..deflated("half.csv", &big) };
    case("a compressed stream cut in half, sampled at its start", e, 65_536, ok(), 65_536);
    let e = E { declared_size: Some(small.len() as u64 + 50), ..deflated("short.csv", &small) };
    case("a stream that ends before its declared size", e, 65_536, vec![holds(small.len(), small.len() + 50)], small.len() as u64);
    let e = E { declared_size: Some(100), ..deflated("long.csv", &big[..1000]) };
    case("a stream longer than its declared size", e, 65_536, ok(), 100);
    // 20,000 empty stored blocks: 100,000 bytes that inflate to nothing.
    let rows = csv_rows(10_000);
    let mut empty = stored_block(b"").repeat(20_000);
    empty.extend(miniz_oxide::deflate::compress_to_vec(&rows, 6));
    let e = E { body: Some(empty), ..deflated("empty-blocks.csv", &rows) };
    let none = ("zip_corrupt", "the entry's deflate stream gives almost no output".to_owned());
    case("a stream of empty blocks", e.clone(), 1000, vec![none], 0);
    case("a stream of empty blocks read to its end", e, 65_536, ok(), rows.len() as u64);
    case("an empty entry", deflated("empty.json", b""), 65_536, vec![("empty_input", String::new())], 0);
    cases
}

/// `(code, message)` of each error, the message cut to the length of the expected start.
pub fn error_starts(errors: &[(String, String)], want: &[(&'static str, String)]) -> Vec<(String, String)> {
    errors
        .iter()
        .enumerate()
        .map(|(i, (code, message))| {
            let keep = want.get(i).map_or(message.len(), |w| w.1.len().min(message.len()));
            (code.clone(), message.get(..keep).unwrap_or(message).to_owned())
        })
        .collect()
}
