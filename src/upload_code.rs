//! The stable codes of `UploadError`: a closed set, like the issue codes of
//! [`report::Code`](crate::report::Code), and made with the same macro.
//!
//! Every failure of the package carries one of these as its `code`. Services' own words stay out
//! of it: S3's `<Code>` goes into `s3Code` (the code is [`UploadCode::S3Error`]), a gRPC status
//! becomes the code of the same name (with `grpcStatus`), and a Vela `error` outside the few
//! the package knows is [`UploadCode::HttpError`]. `ALL`, the table in `docs/api.md` and the
//! TypeScript union `UploadErrorCode` are checked against each other by `tests/upload_codes.rs`.
//!
//! ```
//! use talk_uploader::upload_code::UploadCode;
//! assert_eq!(UploadCode::from_name("outcome_unknown"), Some(UploadCode::OutcomeUnknown));
//! assert_eq!(UploadCode::S3Error.as_str(), "s3_error");
//! ```

crate::report::code::codes! {
    /// Every `code` an `UploadError` can have.
    pub enum UploadCode;
    /// The call was aborted through its `signal` (also SpeechSense's gRPC `ABORTED`, with `grpcStatus` 10).
    Aborted = "aborted",
    /// An option or an argument is missing, unknown or of the wrong kind; the message names it, and `cause` holds what the caller's code threw.
    InvalidOptions = "invalid_options",
    /// The chat, its metadata or a batch zip has errors and nothing was sent; `issues` lists them.
    ValidationFailed = "validation_failed",
    /// `endpoint`, `apiBase` or a presign's `url` is not a usable URL (user info, or a base URL with a query or fragment).
    InvalidEndpoint = "invalid_endpoint",
    /// The URL is `http:` on a host that is not loopback.
    InsecureEndpoint = "insecure_endpoint",
    /// The file could not be read (moved, changed or deleted since it was chosen); `cause` is the platform's error.
    FileUnreadable = "file_unreadable",
    /// The page lacks a platform feature the call needs (`crypto.subtle` on an `http:` page, for Labelbox's default global keys; `DecompressionStream("deflate-raw")`, for `inspectZip` and `uploadVelaBatch` on a zip with deflated entries).
    Unsupported = "unsupported",
    /// A bug in the module (a panic: reload the page), SpeechSense's gRPC `INTERNAL` (`grpcStatus` 13), or Vela's `internal`.
    Internal = "internal",
    /// An earlier call hit a bug and stopped the module; reload the page.
    ModulePoisoned = "module_poisoned",
    /// `createValidator()`'s worker failed to start or crashed (check that the bundler emitted `validate-worker.js` and its `.wasm`).
    WorkerFailed = "worker_failed",
    /// The request failed at the network level (unreachable, reset, refused, blocked by CORS), after the retries.
    NetworkError = "network_error",
    /// No progress for `stallTimeoutMs`, after the retries.
    Stalled = "stalled",
    /// The whole request was sent but its answer was lost: check the service before sending it again.
    OutcomeUnknown = "outcome_unknown",
    /// An HTTP error status without a gRPC status, an S3 error document or a Vela error the package knows; `status` says which.
    HttpError = "http_error",
    /// The endpoint answered, but not as grpc-web.
    InvalidResponse = "invalid_response",
    /// The request could not be assembled in the page, or Vela refused its body (`issues` says why).
    InvalidRequest = "invalid_request",
    /// SpeechSense's gRPC `CANCELLED` (`grpcStatus` 1).
    Cancelled = "cancelled",
    /// SpeechSense's gRPC `UNKNOWN` (`grpcStatus` 2), also what a bare HTTP error without `grpc-status` maps to in gRPC.
    Unknown = "unknown",
    /// SpeechSense's gRPC `INVALID_ARGUMENT` (`grpcStatus` 3): the service refused the request's content.
    InvalidArgument = "invalid_argument",
    /// SpeechSense's gRPC `DEADLINE_EXCEEDED` (`grpcStatus` 4).
    DeadlineExceeded = "deadline_exceeded",
    /// SpeechSense's gRPC `NOT_FOUND` (`grpcStatus` 5), e.g. an unknown connection.
    NotFound = "not_found",
    /// SpeechSense's gRPC `ALREADY_EXISTS` (`grpcStatus` 6).
    AlreadyExists = "already_exists",
    /// SpeechSense's gRPC `PERMISSION_DENIED` (`grpcStatus` 7); through talk-gateway also a ticket's connection or size limit.
    PermissionDenied = "permission_denied",
    /// SpeechSense's gRPC `RESOURCE_EXHAUSTED` (`grpcStatus` 8), retried.
    ResourceExhausted = "resource_exhausted",
    /// SpeechSense's gRPC `FAILED_PRECONDITION` (`grpcStatus` 9).
    FailedPrecondition = "failed_precondition",
    /// SpeechSense's gRPC `OUT_OF_RANGE` (`grpcStatus` 11).
    OutOfRange = "out_of_range",
    /// SpeechSense's gRPC `UNIMPLEMENTED` (`grpcStatus` 12).
    Unimplemented = "unimplemented",
    /// SpeechSense's gRPC `UNAVAILABLE` (`grpcStatus` 14), retried.
    Unavailable = "unavailable",
    /// SpeechSense's gRPC `DATA_LOSS` (`grpcStatus` 15).
    DataLoss = "data_loss",
    /// SpeechSense's gRPC `UNAUTHENTICATED` (`grpcStatus` 16): the key, token or ticket was refused.
    Unauthenticated = "unauthenticated",
    /// A grpc-web answer with an HTTP error status and no `grpc-status`.
    MissingGrpcStatus = "missing_grpc_status",
    /// A successful grpc-web answer without its response message.
    MissingResponseMessage = "missing_response_message",
    /// A unary grpc-web answer with more than one response message.
    ExtraResponseMessages = "extra_response_messages",
    /// A response message that does not decode as the expected protobuf type.
    InvalidResponseMessage = "invalid_response_message",
    /// The `UploadBadge` operation finished with an error (`grpcStatus` is its status).
    OperationFailed = "operation_failed",
    /// A grpc-web frame over the 4 GiB a frame header can state.
    FrameTooLarge = "frame_too_large",
    /// A protobuf field number outside the valid range (a bug in a request plan).
    InvalidFieldNumber = "invalid_field_number",
    /// A request plan names bytes past the end of the file.
    FileRangeOutOfBounds = "file_range_out_of_bounds",
    /// A grpc-web answer that ends inside a frame.
    TruncatedResponse = "truncated_response",
    /// A compressed grpc-web frame, which the package never asks for.
    CompressedFrame = "compressed_frame",
    /// A grpc-web frame with flag bits the protocol does not define.
    UnknownFrameFlag = "unknown_frame_flag",
    /// A grpc-web data frame after the trailers.
    DataAfterTrailers = "data_after_trailers",
    /// A grpc-web trailer line that is not `name: value`.
    InvalidTrailer = "invalid_trailer",
    /// The file is empty.
    EmptyFile = "empty_file",
    /// The file is neither WAV, MP3 nor Ogg Opus.
    UnknownContainer = "unknown_container",
    /// The container holds a codec SpeechSense does not take (Ogg FLAC or Vorbis, a WAV format other than PCM or float).
    UnsupportedCodec = "unsupported_codec",
    /// The file ends inside its header.
    TruncatedHeader = "truncated_header",
    /// The header is damaged: a size, a rate or a field does not add up.
    InvalidHeader = "invalid_header",
    /// The sniffer needs more of the file than it was given (a bug in the caller of the core).
    NeedsMoreData = "needs_more_data",
    /// The audio container has no SpeechSense type (a bug in a request plan).
    UnspecifiedContainer = "unspecified_container",
    /// A WAV that is not 16-bit PCM, which SpeechSense's `Upload` requires.
    WavNotPcm16 = "wav_not_pcm16",
    /// A WAV sample rate SpeechSense does not accept.
    WavSampleRate = "wav_sample_rate",
    /// The audio is longer than SpeechSense's 4-hour limit.
    AudioTooLong = "audio_too_long",
    /// The chosen `method` does not take this format (`uploadBadge` refuses Ogg Opus).
    FormatNotAllowedForMethod = "format_not_allowed_for_method",
    /// The file is over what `method: "upload"` takes (128 MB): use `uploadBadge` or `"auto"`.
    FileTooLargeForUpload = "file_too_large_for_upload",
    /// `chunkSize` is 0.
    InvalidChunkSize = "invalid_chunk_size",
    /// `chunkSize` is over the largest chunk a streamed upload may send.
    ChunkTooLarge = "chunk_too_large",
    /// `chunkSize` is so small that the file would need too many chunks.
    TooManyChunks = "too_many_chunks",
    /// The presign's `url` is not an absolute URL.
    PresignInvalidUrl = "presign_invalid_url",
    /// The presign has a field named `file`, which S3 takes as the file itself.
    PresignFileField = "presign_file_field",
    /// The presign names one field twice.
    PresignDuplicateField = "presign_duplicate_field",
    /// The presign has no `key` field.
    PresignMissingKey = "presign_missing_key",
    /// The presign's `policy` is not base64 of a JSON POST policy.
    PresignPolicyUnreadable = "presign_policy_unreadable",
    /// The presign has expired (or expires within 30 s); a presign function is called again.
    PresignExpired = "presign_expired",
    /// The file is larger than the policy's `content-length-range`.
    FileTooLargeForPolicy = "file_too_large_for_policy",
    /// The file is smaller than the policy's `content-length-range`.
    FileTooSmallForPolicy = "file_too_small_for_policy",
    /// The `key` is outside what the policy allows (`starts-with $key`).
    PresignKeyRejected = "presign_key_rejected",
    /// A field does not meet one of the policy's conditions.
    PresignConditionFailed = "presign_condition_failed",
    /// A field the policy requires is missing from the form.
    PresignFieldMissing = "presign_field_missing",
    /// A form field that the policy does not mention (S3 would refuse the upload).
    PresignFieldNotInPolicy = "presign_field_not_in_policy",
    /// The `presign` function threw or rejected; `cause` holds what it threw.
    PresignFailed = "presign_failed",
    /// S3 refused the upload with an XML error: `s3Code` holds S3's own `<Code>` (`AccessDenied`, `EntityTooLarge`, ...).
    S3Error = "s3_error",
    /// Vela's `unauthorized` (HTTP 401): the token or ticket was refused.
    Unauthorized = "unauthorized",
    /// Vela's `minute_allocation_exceeded`: the organisation has used up its minutes.
    MinuteAllocationExceeded = "minute_allocation_exceeded",
}

impl UploadCode {
    /// The code for a Vela API's own `error`, for the few the package knows; anything else is
    /// `None` (and the refusal an [`UploadCode::HttpError`]).
    pub fn from_vela(error: &str) -> Option<UploadCode> {
        match error {
            "unauthorized" => Some(UploadCode::Unauthorized),
            "minute_allocation_exceeded" => Some(UploadCode::MinuteAllocationExceeded),
            "invalid_request" => Some(UploadCode::InvalidRequest),
            "internal" => Some(UploadCode::Internal),
            _ => None,
        }
    }
}

impl PartialEq<str> for UploadCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for UploadCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in UploadCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert_eq!(UploadCode::from_name(c.as_str()), Some(c));
            assert!(!c.meaning().is_empty() && !c.meaning().contains('|'), "{c}: {}", c.meaning());
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
        }
    }
}
