//! The end of a zip file: the end-of-central-directory record (EOCD), its Zip64 locator and
//! record, and the central directory's file headers. Only these are read to list an archive, so
//! a 3 GB zip costs a few KiB of reads (APPNOTE.TXT 6.3.10, sections 4.3.12–4.3.16, 4.5.3).

use super::bytes::{le, u32_at, Le};

/// `PK\x05\x06`: end of central directory.
pub const EOCD_SIG: u32 = 0x0605_4b50;
/// `PK\x06\x07`: Zip64 end of central directory locator.
pub const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
/// `PK\x06\x06`: Zip64 end of central directory record.
pub const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
/// `PK\x01\x02`: a central directory file header.
pub const CENTRAL_SIG: u32 = 0x0201_4b50;
/// `PK\x03\x04`: a local file header.
pub const LOCAL_SIG: u32 = 0x0403_4b50;

/// Fixed sizes of the records.
pub const EOCD_LEN: usize = 22;
pub const ZIP64_LOCATOR_LEN: usize = 20;
pub const ZIP64_EOCD_LEN: usize = 56;
pub const CENTRAL_LEN: usize = 46;
pub const LOCAL_LEN: usize = 30;
/// The EOCD may be followed by a comment of up to this many bytes.
pub const MAX_COMMENT: usize = 65_535;

/// Where the central directory is, as the end of the file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Directory {
    /// Offset of the first central directory header.
    pub offset: u64,
    /// Size of the central directory in bytes.
    pub size: u64,
    /// How many entries the archive declares.
    pub entries: u64,
    /// `true` when the numbers came from a Zip64 record.
    pub zip64: bool,
}

/// What the tail of the file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// No EOCD signature with a consistent comment length: not a zip.
    NotZip,
    /// The directory, fully located.
    Found(Directory),
    /// A Zip64 archive whose Zip64 EOCD record lies at this offset, outside the bytes read.
    NeedZip64 { record_at: u64 },
    /// A structurally impossible tail.
    Corrupt(&'static str),
    /// A split (multi-disk) archive.
    MultiDisk,
}

/// Finds the EOCD in `tail`, the last `tail.len()` bytes of a file of `file_size` bytes.
///
/// The EOCD is the last `PK\x05\x06` whose comment length reaches exactly to the end of the file,
/// so a comment that itself contains the signature is not mistaken for it.
pub fn parse_tail(tail: &[u8], file_size: u64) -> Tail {
    let tail_start = file_size.saturating_sub(tail.len() as u64);
    let Some(last) = tail.len().checked_sub(EOCD_LEN) else { return Tail::NotZip };
    let lowest = last.saturating_sub(MAX_COMMENT);
    let mut pos = last;
    let eocd = loop {
        if u32_at(tail, pos) == Some(EOCD_SIG) {
            let comment = Le::new(tail.get(pos + 20..).unwrap_or_default()).u16();
            if comment.map(|c| pos + EOCD_LEN + c as usize) == Some(tail.len()) {
                break pos;
            }
        }
        if pos == lowest {
            return Tail::NotZip;
        }
        pos -= 1;
    };
    // disk, the directory's disk, entries on this disk, entries, size, offset.
    let Some(f) = tail.get(eocd + 4..eocd + 20) else {
        return Tail::Corrupt("the end-of-central-directory record is cut short");
    };
    let (disk, cd_disk, total, size, offset) = (le(f, 0, 2), le(f, 2, 2), le(f, 6, 2), le(f, 8, 4), le(f, 12, 4));
    let eocd_abs = tail_start + eocd as u64;
    let wants_zip64 = total == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF;
    let locator = eocd.checked_sub(ZIP64_LOCATOR_LEN).filter(|&l| u32_at(tail, l) == Some(ZIP64_LOCATOR_SIG));
    if let Some(l) = locator {
        let Some(f) = tail.get(l + 4..l + ZIP64_LOCATOR_LEN) else {
            return Tail::Corrupt("the Zip64 locator is cut short");
        };
        let (disk64, record_at, disks) = (le(f, 0, 4), le(f, 4, 8), le(f, 12, 4));
        if disk64 != 0 || disks > 1 {
            return Tail::MultiDisk;
        }
        if record_at >= eocd_abs {
            return Tail::Corrupt("the Zip64 locator points past itself");
        }
        return match record_at.checked_sub(tail_start) {
            Some(rel) => match tail.get(rel as usize..) {
                Some(rec) if rec.len() >= ZIP64_EOCD_LEN => parse_zip64_record(rec, record_at),
                _ => Tail::NeedZip64 { record_at },
            },
            None => Tail::NeedZip64 { record_at },
        };
    }
    if wants_zip64 {
        return Tail::Corrupt("the sizes overflow 32 bits but there is no Zip64 locator");
    }
    if disk != 0 || cd_disk != 0 {
        return Tail::MultiDisk;
    }
    let dir = Directory { offset, size, entries: total, zip64: false };
    check_bounds(dir, eocd_abs)
}

/// Parses a Zip64 EOCD record (at least [`ZIP64_EOCD_LEN`] bytes) found at `record_at`.
pub fn parse_zip64_record(rec: &[u8], record_at: u64) -> Tail {
    let mut r = Le::new(rec);
    if r.u32() != Some(ZIP64_EOCD_SIG) {
        return Tail::Corrupt("the Zip64 locator does not point at a Zip64 record");
    }
    // Record size, made by, needed, disk, the directory's disk, entries on this disk, entries,
    // directory size, directory offset.
    let Some(f) = r.take(52) else {
        return Tail::Corrupt("the Zip64 record is cut short");
    };
    let (disk, cd_disk, total, size, offset) = (le(f, 12, 4), le(f, 16, 4), le(f, 28, 8), le(f, 36, 8), le(f, 44, 8));
    if disk != 0 || cd_disk != 0 {
        return Tail::MultiDisk;
    }
    check_bounds(Directory { offset, size, entries: total, zip64: true }, record_at)
}

fn check_bounds(dir: Directory, end: u64) -> Tail {
    match dir.offset.checked_add(dir.size) {
        Some(e) if e <= end => Tail::Found(dir),
        _ => Tail::Corrupt("the central directory would end past the end-of-directory record"),
    }
}

/// One central directory file header, with Zip64 sizes resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CentralEntry {
    /// The name as stored (not yet decoded).
    pub raw_name: Vec<u8>,
    /// General purpose flag bit 11: the name is UTF-8.
    pub utf8: bool,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub local_offset: u64,
    /// The WinZip AES extra field (0x9901) is present: encrypted, whatever the method says.
    pub aes: bool,
}

impl CentralEntry {
    /// Flag bit 0 (encrypted), bit 6 (strong encryption), or AES.
    pub fn encrypted(&self) -> bool {
        self.flags & 0x0041 != 0 || self.aes || self.method == 99
    }
}

/// Parses `expected` headers from the central directory bytes. Stops at the first damaged one
/// and says why; the entries before it are kept.
pub fn parse_central(buf: &[u8], expected: u64) -> (Vec<CentralEntry>, Option<&'static str>) {
    let mut out = Vec::new();
    let mut r = Le::new(buf);
    for _ in 0..expected {
        match parse_one(&mut r) {
            Ok(e) => out.push(e),
            Err(why) => return (out, Some(why)),
        }
    }
    (out, None)
}

fn parse_one(r: &mut Le<'_>) -> Result<CentralEntry, &'static str> {
    const SHORT: &str = "a central directory header is cut short";
    if r.u32().ok_or(SHORT)? != CENTRAL_SIG {
        return Err("a central directory header has the wrong signature");
    }
    // Made by, needed, flags, method, time and date, CRC-32, compressed size, size, name length,
    // extra length, comment length, disk, internal and external attributes, local offset.
    let h = r.take(CENTRAL_LEN - 4).ok_or(SHORT)?;
    let (flags, method, crc32) = (le(h, 4, 2) as u16, le(h, 6, 2) as u16, le(h, 12, 4) as u32);
    let (csize, usize_, offset) = (le(h, 16, 4), le(h, 20, 4), le(h, 38, 4));
    let (name_len, extra_len, comment_len, disk) = (le(h, 24, 2), le(h, 26, 2), le(h, 28, 2), le(h, 30, 2));
    let raw_name = r.take(name_len as usize).ok_or(SHORT)?.to_vec();
    let extra = r.take(extra_len as usize).ok_or(SHORT)?;
    r.skip(comment_len as usize).ok_or(SHORT)?;
    let mut e = CentralEntry {
        raw_name,
        utf8: flags & 0x0800 != 0,
        flags,
        method,
        crc32,
        compressed_size: csize,
        size: usize_,
        local_offset: offset,
        aes: false,
    };
    let mut x = Le::new(extra);
    while let (Some(id), Some(len)) = (x.u16(), x.u16()) {
        let data = x.take(len as usize).ok_or("an extra field of a central directory header is cut short")?;
        match id {
            0x0001 => {
                // Only the fields whose 32-bit value is saturated are present, in this order.
                let mut z = Le::new(data);
                if usize_ == 0xFFFF_FFFF {
                    e.size = z.u64().ok_or("a Zip64 extra field lacks the size")?;
                }
                if csize == 0xFFFF_FFFF {
                    e.compressed_size = z.u64().ok_or("a Zip64 extra field lacks the compressed size")?;
                }
                if offset == 0xFFFF_FFFF {
                    e.local_offset = z.u64().ok_or("a Zip64 extra field lacks the offset")?;
                }
            }
            0x9901 => e.aes = true,
            _ => {}
        }
    }
    if disk != 0 && disk != 0xFFFF {
        return Err("an entry starts on another disk of a split archive");
    }
    Ok(e)
}

/// The length of a local header (fixed part + name + extra), read from its first 30 bytes.
pub fn local_header_len(head: &[u8]) -> Result<u64, &'static str> {
    let mut r = Le::new(head);
    if r.u32() != Some(LOCAL_SIG) {
        return Err("the entry's local header has the wrong signature");
    }
    // Needed, flags, method, time and date, CRC-32, sizes, then the name and extra lengths.
    let h = r.take(LOCAL_LEN - 4).ok_or("the entry's local header is cut short")?;
    Ok(LOCAL_LEN as u64 + le(h, 22, 2) + le(h, 24, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eocd(entries: u16, size: u32, offset: u32, comment: &[u8]) -> Vec<u8> {
        let mut v = EOCD_SIG.to_le_bytes().to_vec();
        v.extend([0, 0, 0, 0]);
        v.extend(entries.to_le_bytes());
        v.extend(entries.to_le_bytes());
        v.extend(size.to_le_bytes());
        v.extend(offset.to_le_bytes());
        v.extend((comment.len() as u16).to_le_bytes());
        v.extend(comment);
        v
    }

    #[test]
    fn finds_the_eocd_behind_a_comment_that_contains_its_signature() {
        let mut comment = b"x".to_vec();
        comment.extend(eocd(9, 9, 9, b""));
        comment.push(b'y');
        let mut file = vec![0u8; 10];
        file.extend(eocd(0, 0, 10, &comment));
        let tail = parse_tail(&file, file.len() as u64);
        assert_eq!(tail, Tail::Found(Directory { offset: 10, size: 0, entries: 0, zip64: false }));
    }

    #[test]
    fn short_or_random_tails_are_not_zips() {
        assert_eq!(parse_tail(b"", 0), Tail::NotZip);
        assert_eq!(parse_tail(b"PK\x05\x06", 4), Tail::NotZip);
        assert_eq!(parse_tail(&[0u8; 100], 100), Tail::NotZip);
    }

    #[test]
    fn a_directory_past_the_end_is_corrupt() {
        let file = eocd(1, 100, 0, b"");
        assert!(matches!(parse_tail(&file, file.len() as u64), Tail::Corrupt(_)));
    }

    #[test]
    fn saturated_fields_without_a_locator_are_corrupt() {
        let file = eocd(0xFFFF, 0, 0, b"");
        assert!(matches!(parse_tail(&file, file.len() as u64), Tail::Corrupt(_)));
    }
}
