//! Little-endian field reads that never panic: a short buffer is `None`, never an index error.

/// A cursor over a record of the zip format.
pub(crate) struct Le<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Le<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Le<'a> {
        Le { buf, at: 0 }
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.buf.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        let s = self.take(2)?;
        Some(u16::from_le_bytes([*s.first()?, *s.get(1)?]))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        let s: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_le_bytes(s))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        let s: [u8; 8] = self.take(8)?.try_into().ok()?;
        Some(u64::from_le_bytes(s))
    }

    pub(crate) fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }
}

/// The `n`-byte (at most 8) little-endian number at `at` of a record whose length the caller
/// has checked (a byte past the end reads as 0, never a panic). Infallible, so a record of many
/// fields is one length check and plain calls, not an `Option` per field.
pub(crate) fn le(buf: &[u8], at: usize, n: usize) -> u64 {
    let mut v = 0u64;
    for i in (0..n).rev() {
        v = v << 8 | u64::from(buf.get(at.saturating_add(i)).copied().unwrap_or(0));
    }
    v
}

/// The little-endian u32 at `at`, if the buffer holds it.
pub(crate) fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    Le::new(buf.get(at..)?).u32()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reads_are_none() {
        let mut r = Le::new(&[1, 0, 2]);
        assert_eq!(r.u16(), Some(1));
        assert_eq!(r.u16(), None);
        assert_eq!(u32_at(&[1, 2, 3, 4], 1), None);
        assert_eq!(u32_at(&[1, 0, 0, 0], 0), Some(1));
        assert_eq!(u32_at(&[], usize::MAX), None);
        assert_eq!(le(&[9, 1, 2, 3, 4, 5, 6, 7, 0x80], 1, 8), 0x8007_0605_0403_0201);
        assert_eq!(le(&[0xFF, 0xFE, 9], 0, 2), 0xFEFF);
        assert_eq!(le(&[0xFF, 0xFE], 1, 4), 0xFE);
        assert_eq!(le(&[1], usize::MAX, 2), 0);
    }
}
