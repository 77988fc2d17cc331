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
}

pub fn entry(name: &str, data: &[u8]) -> E {
    E { name: name.as_bytes().to_vec(), data: data.to_vec(), deflate: false, flags: 0x0800, method: None, descriptor: false, declared_size: None }
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
        let body = if e.deflate { miniz_oxide::deflate::compress_to_vec(&e.data, 6) } else { e.data.clone() };
        let method = e.method.unwrap_or(if e.deflate { 8 } else { 0 });
        let size = e.declared_size.unwrap_or(e.data.len() as u64);
        let crc = crc32(&e.data);
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

