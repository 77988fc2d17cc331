//! The first bytes of a deflated entry, and the CRC-32 of an entry read whole.
//!
//! The core does not inflate: it asks an [`Inflate`] for an [`Inflater`] per entry and feeds it
//! the compressed bytes it reads, so the browser build uses the platform's
//! `DecompressionStream("deflate-raw")` (`bindings::zip`) and links no inflate code of its own.
//! Natively, [`Miniz`] inflates with `miniz_oxide`.

/// The deflate stream is not valid deflate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Damaged;

/// Inflates one raw deflate stream fed in pieces, keeping at most the first `limit` bytes of
/// output (the `limit` given to [`Inflate::start`]).
#[allow(async_fn_in_trait)]
pub trait Inflater {
    /// Feeds the next piece of compressed input. When it returns, every byte of output that the
    /// input fed so far gives is out, up to the limit. `Err` when the stream is not valid deflate.
    async fn feed(&mut self, input: &[u8]) -> Result<(), Damaged>;
    /// No more input comes: `Ok(true)` when the stream ended within the input fed. A stream cut
    /// short (only its start was fed, or the entry is truncated) is `Ok(false)`, not an error:
    /// every byte the input gave is out. `Err` when the input turns out not to be valid deflate
    /// (an inflater that reports damage late).
    async fn finish(&mut self) -> Result<bool, Damaged>;
    /// `true` once `limit` bytes are out.
    fn full(&self) -> bool;
    /// `true` when the stream is known to have ended (an inflater that learns it only in
    /// [`Inflater::finish`] says `false` until then).
    fn ended(&self) -> bool;
    /// The bytes inflated, at most `limit`.
    fn into_output(self) -> Vec<u8>;
}

/// Starts an [`Inflater`] for each deflated entry sampled. `E` is the error of the inspection
/// (its [`super::RangeSource`]'s), for an inflater that cannot start (a browser without
/// `DecompressionStream`).
pub trait Inflate<E> {
    type Inflater: Inflater;
    /// An inflater that keeps the first `limit` bytes.
    fn start(&mut self, limit: usize) -> Result<Self::Inflater, E>;
}

/// Inflates with `miniz_oxide` (native builds: tests and servers).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct Miniz;

#[cfg(not(target_arch = "wasm32"))]
impl<E> Inflate<E> for Miniz {
    type Inflater = MinizInflater;
    fn start(&mut self, limit: usize) -> Result<MinizInflater, E> {
        Ok(MinizInflater::new(limit))
    }
}

/// [`Miniz`]'s inflater.
#[cfg(not(target_arch = "wasm32"))]
pub struct MinizInflater {
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    out: Vec<u8>,
    written: usize,
    ended: bool,
}

#[cfg(not(target_arch = "wasm32"))]
impl MinizInflater {
    /// An inflater that keeps the first `limit` bytes.
    pub fn new(limit: usize) -> MinizInflater {
        let state = miniz_oxide::inflate::stream::InflateState::new_boxed(miniz_oxide::DataFormat::Raw);
        MinizInflater { state, out: vec![0; limit], written: 0, ended: false }
    }

    fn feed_now(&mut self, mut input: &[u8]) -> Result<(), Damaged> {
        use miniz_oxide::{MZError, MZFlush, MZStatus};
        while !self.ended && !self.full() {
            let Some(out) = self.out.get_mut(self.written..) else { break };
            let r = miniz_oxide::inflate::stream::inflate(&mut self.state, input, out, MZFlush::None);
            self.written += r.bytes_written;
            input = input.get(r.bytes_consumed..).unwrap_or_default();
            match r.status {
                Ok(MZStatus::StreamEnd) => self.ended = true,
                Ok(_) if r.bytes_written == 0 && r.bytes_consumed == 0 => break,
                Ok(_) => {}
                // No progress possible without more input.
                Err(MZError::Buf) => break,
                Err(_) => return Err(Damaged),
            }
        }
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Inflater for MinizInflater {
    async fn feed(&mut self, input: &[u8]) -> Result<(), Damaged> {
        self.feed_now(input)
    }

    async fn finish(&mut self) -> Result<bool, Damaged> {
        Ok(self.ended)
    }

    fn full(&self) -> bool {
        self.written >= self.out.len()
    }

    fn ended(&self) -> bool {
        self.ended
    }

    fn into_output(mut self) -> Vec<u8> {
        self.out.truncate(self.written);
        self.out
    }
}

/// The CRC-32 (IEEE, as zip uses it) of `data`. The table is made on each call (2,048 steps, next
/// to the up to 16 MiB it checks) instead of stored: 1 KB of data the module need not ship.
pub fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, t) in (0u32..).zip(table.iter_mut()) {
        *t = (0..8).fold(i, |c, _| if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 });
    }
    !data.iter().fold(!0u32, |c, &b| table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zip::block_on;

    #[test]
    fn crc_of_known_strings() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn inflates_in_pieces_up_to_the_limit() {
        let text: Vec<u8> = (0..200_000u32).flat_map(|i| format!("{i},row\n").into_bytes()).collect();
        let packed = miniz_oxide::deflate::compress_to_vec(&text, 6);
        let mut inf = MinizInflater::new(70_000);
        for piece in packed.chunks(1000) {
            block_on(inf.feed(piece)).unwrap();
            if inf.full() {
                break;
            }
        }
        assert!(!inf.ended());
        assert_eq!(inf.into_output(), text[..70_000]);

        let mut inf = MinizInflater::new(10_000_000);
        block_on(inf.feed(&packed)).unwrap();
        assert!(inf.ended() && block_on(inf.finish()) == Ok(true));
        assert_eq!(inf.into_output(), text);
    }

    #[test]
    fn a_stream_cut_short_gives_what_it_has_and_does_not_end() {
        let text: Vec<u8> = (0..50_000u32).flat_map(|i| format!("{i},row\n").into_bytes()).collect();
        let packed = miniz_oxide::deflate::compress_to_vec(&text, 6);
        let mut inf = Inflate::<()>::start(&mut Miniz, text.len()).unwrap();
        block_on(inf.feed(&packed[..packed.len() / 2])).unwrap();
        assert_eq!(block_on(inf.finish()), Ok(false));
        let got = inf.into_output();
        assert!(!got.is_empty() && got.len() < text.len() && text.starts_with(&got), "{} bytes", got.len());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut inf = MinizInflater::new(100);
        assert_eq!(block_on(inf.feed(&[0xFF; 64])), Err(Damaged));
    }
}
