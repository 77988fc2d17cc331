//! The request body as s3s sees it: every frame split into pieces of at most [`MAX_PIECE`]
//! bytes, and whatever s3s leaves unread drained before the answer goes out.
//!
//! Why split: s3s 0.14.1's multipart parser keeps the tail of a frame that could start
//! `\r\n--<boundary>`, and fails with `BoundaryBufferTooLarge` when the next frame is larger than
//! 64 KiB. Over loopback hyper hands over frames of up to ~400 KiB, so most uploads of random
//! bytes failed. Pieces of 60 KiB never trigger it.
//!
//! Why drain: s3s rejects a bad signature or an expired policy before it reads the file. If the
//! server answered and closed while the client was still sending, the client would see a
//! connection reset instead of the S3 XML error.
//!
//! A pump task reads the hyper body and feeds the pieces to s3s through a small bounded
//! channel, so the body is streamed with back-pressure. When s3s drops its end, the pump keeps
//! reading and discards the rest; the server awaits the pump before it answers.
//!
//! ```text
//! let (body, pump) = split_body(incoming, content_length);
//! let res = s3.call(req.map(|_| body)).await;   // s3s reads (part of) the body
//! pump.finish(DRAIN_TIMEOUT).await;              // read and discard the rest
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::sync::mpsc;

/// Largest piece of body handed to s3s. Must stay below s3s's 64 KiB boundary buffer.
pub const MAX_PIECE: usize = 60 * 1024;

/// Pieces buffered between the pump and s3s (back-pressure, bounded memory).
const CHANNEL_PIECES: usize = 16;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Splits `data` into pieces of at most `max` bytes without copying.
pub fn split_pieces(mut data: Bytes, max: usize) -> impl Iterator<Item = Bytes> {
    assert!(max > 0, "piece size must be positive");
    std::iter::from_fn(move || {
        if data.is_empty() {
            None
        } else {
            Some(data.split_to(data.len().min(max)))
        }
    })
}

/// The body given to s3s: pieces from the pump.
pub struct SplitBody {
    rx: mpsc::Receiver<Result<Bytes, BoxError>>,
    /// Bytes still expected, when the request declared a `content-length`.
    remaining: Option<u64>,
}

impl Body for SplitBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(piece))) => {
                if let Some(r) = self.remaining.as_mut() {
                    *r = r.saturating_sub(piece.len() as u64);
                }
                Poll::Ready(Some(Ok(Frame::data(piece))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.remaining {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

/// The task that reads the client's body; see [`Pump::finish`].
pub struct Pump {
    task: tokio::task::JoinHandle<PumpOutcome>,
}

/// How reading the client's body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PumpOutcome {
    /// The body was read to its end; `drained` bytes of it were discarded after s3s stopped.
    Complete {
        /// Bytes received in total.
        total: u64,
        /// Bytes read after s3s had dropped the body.
        drained: u64,
    },
    /// The client's body failed (the client went away or sent garbage).
    Failed,
    /// Draining took longer than allowed; the connection will be closed.
    TimedOut,
}

impl Pump {
    /// Waits until the whole body has been read (drained if s3s stopped early), at most `limit`.
    pub async fn finish(self, limit: Duration) -> PumpOutcome {
        let abort = self.task.abort_handle();
        match tokio::time::timeout(limit, self.task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => PumpOutcome::Failed,
            Err(_) => {
                abort.abort();
                PumpOutcome::TimedOut
            }
        }
    }
}

/// Starts pumping `body` in pieces of at most [`MAX_PIECE`] bytes.
pub fn split_body<B>(body: B, content_length: Option<u64>) -> (SplitBody, Pump)
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError> + Send,
{
    // s3s needs an exact length for signed requests (e.g. 0 for a GET without a body).
    let remaining = body.size_hint().exact().or(content_length);
    let (tx, rx) = mpsc::channel(CHANNEL_PIECES);
    let task = tokio::spawn(pump(body, tx));
    (SplitBody { rx, remaining }, Pump { task })
}

async fn pump<B>(mut body: B, tx: mpsc::Sender<Result<Bytes, BoxError>>) -> PumpOutcome
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError> + Send,
{
    let (mut total, mut drained) = (0u64, 0u64);
    // True while s3s still holds the receiving end.
    let mut forwarding = true;
    while let Some(frame) = body.frame().await {
        let frame = match frame.map_err(Into::into) {
            Ok(f) => f,
            Err(e) => {
                if forwarding {
                    let _ = tx.send(Err(e)).await;
                }
                return PumpOutcome::Failed;
            }
        };
        // Trailers are dropped: browsers never send them, and s3s ignores them on POST.
        let Ok(data) = frame.into_data() else { continue };
        total += data.len() as u64;
        if !forwarding {
            drained += data.len() as u64;
            continue;
        }
        let mut sent = 0usize;
        for piece in split_pieces(data.clone(), MAX_PIECE) {
            let n = piece.len();
            if tx.send(Ok(piece)).await.is_err() {
                forwarding = false;
                break;
            }
            sent += n;
        }
        if !forwarding {
            drained += (data.len() - sent) as u64;
        }
    }
    PumpOutcome::Complete { total, drained }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_data_in_order() {
        let data = Bytes::from((0..200_000u32).map(|i| i as u8).collect::<Vec<_>>());
        let pieces: Vec<Bytes> = split_pieces(data.clone(), MAX_PIECE).collect();
        assert!(pieces.iter().all(|p| !p.is_empty() && p.len() <= MAX_PIECE));
        assert_eq!(pieces.len(), 4);
        assert_eq!(pieces.concat(), data.to_vec());
        assert_eq!(split_pieces(Bytes::new(), 7).count(), 0);
    }

    #[tokio::test]
    async fn large_frames_arrive_split_and_unread_rest_is_drained() {
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> = (0..5)
            .map(|i| Ok(Frame::data(Bytes::from(vec![i as u8; 400 * 1024]))))
            .collect();
        let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
        let (mut split, pump) = split_body(body, Some(5 * 400 * 1024));
        // Read the first frame's worth, then drop the body as s3s does on early rejection.
        let mut read = 0usize;
        while read < 400 * 1024 {
            let f = split.frame().await.unwrap().unwrap().into_data().unwrap();
            assert!(f.len() <= MAX_PIECE);
            read += f.len();
        }
        drop(split);
        match pump.finish(Duration::from_secs(5)).await {
            PumpOutcome::Complete { total, drained } => {
                assert_eq!(total, 5 * 400 * 1024);
                // What s3s did not read is either buffered in the channel or drained.
                let unread = total - 400 * 1024;
                assert!(drained > 0 && drained + (CHANNEL_PIECES * MAX_PIECE) as u64 >= unread, "drained {drained}");
            }
            other => panic!("{other:?}"),
        }
    }
}
