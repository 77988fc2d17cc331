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
    }
}
