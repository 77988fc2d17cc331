//! The first bytes of an entry, inflated with `miniz_oxide` when the entry is deflated, and the
//! CRC-32 of an entry read whole.

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// Inflates a raw deflate stream fed in pieces, keeping at most `limit` bytes of output.
pub struct Inflater {
    state: Box<InflateState>,
    out: Vec<u8>,
    written: usize,
    ended: bool,
}

impl Inflater {
    /// An inflater that keeps the first `limit` bytes.
    pub fn new(limit: usize) -> Inflater {
        Inflater { state: InflateState::new_boxed(DataFormat::Raw), out: vec![0; limit], written: 0, ended: false }
    }

    /// Feeds the next piece of compressed input. `Err` when the stream is not valid deflate.
    pub fn feed(&mut self, mut input: &[u8]) -> Result<(), &'static str> {
        while !self.ended && !self.full() {
            let Some(out) = self.out.get_mut(self.written..) else { break };
            let r = inflate(&mut self.state, input, out, MZFlush::None);
            self.written += r.bytes_written;
            input = input.get(r.bytes_consumed..).unwrap_or_default();
            match r.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                Ok(_) if r.bytes_written == 0 && r.bytes_consumed == 0 => break,
                Ok(_) => {}
                // No progress possible without more input.
                Err(MZError::Buf) => break,
                Err(_) => return Err("the entry's deflate stream is damaged"),
            }
        }
        Ok(())
    }

    /// `true` once `limit` bytes are out.
    pub fn full(&self) -> bool {
        self.written >= self.out.len()
    }

    /// `true` when the deflate stream has ended.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The bytes inflated so far.
    pub fn into_output(mut self) -> Vec<u8> {
        self.out.truncate(self.written);
        self.out
    }
}

const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// The CRC-32 (IEEE, as zip uses it) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_known_strings() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn inflates_in_pieces_up_to_the_limit() {
        let text: Vec<u8> = (0..200_000u32).flat_map(|i| format!("{i},row\n").into_bytes()).collect();
        let packed = miniz_oxide::deflate::compress_to_vec(&text, 6);
        let mut inf = Inflater::new(70_000);
        for piece in packed.chunks(1000) {
            inf.feed(piece).unwrap();
            if inf.full() {
                break;
            }
        }
        assert_eq!(inf.into_output(), text[..70_000]);

        let mut inf = Inflater::new(10_000_000);
        inf.feed(&packed).unwrap();
        assert!(inf.ended());
        assert_eq!(inf.into_output(), text);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut inf = Inflater::new(100);
        assert!(inf.feed(&[0xFF; 64]).is_err());
    }
}
