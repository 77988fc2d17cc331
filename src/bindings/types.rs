//! TypeScript declarations of every upload option and result, emitted into the package's `.d.ts`.
//! The exported functions name them through `unchecked_param_type` / `unchecked_return_type`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const UPLOAD_TYPES: &'static str = r#"
/** What `sniffAudio` reads from a file's header. */
export interface AudioInfo {
  container: "wav" | "mp3" | "ogg_opus";
  /** e.g. "pcm_s16le", "mp3", "opus", "ieee_float". */
  codec: string;
  sampleRate: number;
  channels: number;
  bitsPerSample: number | null;
  durationSec: number | null;
  inputSampleRate: number | null;
}

export interface PlanChunksOptions { /** Bytes per chunk; default 1 MiB. */ chunkSize?: number }
export interface ChunkRange { index: number; start: number; end: number }

export type UploadPhase = "validating" | "sending" | "waiting" | "done";
/** `loaded` counts file bytes and never decreases, also across retries. */
export interface UploadProgress { loaded: number; total: number; phase: UploadPhase }

/** Waits before each retry, in ms (default `[0, 1000, 3000, 5000]`): at most 32 non-negative
 * integers, each up to 600000. `retry: false` never retries; any other `retry` (`0`, `"none"`,
 * a typo such as `{ delay }`) is `invalid_options`. */
export interface RetryOptions { delays?: number[] }

/** Behaviour shared by every upload. */
export interface CommonUploadOptions {
  /** A real AbortSignal (any realm); a look-alike object is `invalid_options`. */
  signal?: AbortSignal;
  /** Called at most ~20 times a second; the final `done` event is always delivered. An
   * exception it throws is swallowed: the upload goes on. */
  onProgress?: (progress: UploadProgress) => void;
  retry?: RetryOptions | false;
  /** No upload progress for this long is a network error; default 30000. */
  stallTimeoutMs?: number;
}

/** A credential: the value, or a function called before every attempt that returns it (or a
 * Promise of it), e.g. to fetch a fresh ticket from the page's backend. After an
 * `UNAUTHENTICATED` (HTTP 401 from Vela) the function is called once more and the request
 * retried once. Values must be valid HTTP header values (visible Latin-1, no line breaks). */
export type Credential = string | (() => string | Promise<string>);

/** A service-account API key, sent as `authorization: Api-Key <key>`. */
export interface SpeechSenseAuthApiKey { apiKey: Credential; iamToken?: never; ticket?: never }
/** An IAM token, sent as `authorization: Bearer <token>`. */
export interface SpeechSenseAuthIamToken { iamToken: Credential; apiKey?: never; ticket?: never }
/** A talk-gateway upload ticket (a JWT your backend mints), sent as `authorization: Bearer <ticket>`. */
export interface SpeechSenseAuthTicket { ticket: Credential; apiKey?: never; iamToken?: never }

export type SpeechSenseOptions = CommonUploadOptions & (SpeechSenseAuthApiKey | SpeechSenseAuthIamToken | SpeechSenseAuthTicket) & {
  /** grpc-web base URL: https:, or http: on loopback only. */
  endpoint: string;
  connectionId: string;
};

export type UploadAudioMethod = "auto" | "upload" | "uploadAsStream" | "uploadBadge";

/** `sniffAudio`'s options. */
export interface SniffAudioOptions {
  /** Also hold the file to SpeechSense's rules for this method (as `uploadAudio` does before its first byte); rejects with the same codes. */
  method?: UploadAudioMethod;
}

export type UploadAudioOptions = SpeechSenseOptions & {
  /** Default "auto": "upload" below 128 MB, "uploadBadge" above ("uploadAsStream" for Ogg Opus, which UploadBadge refuses). */
  method?: UploadAudioMethod;
  /** Bytes per streamed chunk; default 1 MiB. */
  chunkSize?: number;
};

export type UploadTextOptions = SpeechSenseOptions;

export interface UploadAudioResult {
  talkId: string;
  /** The method actually used (after "auto"). */
  method: "upload" | "uploadAsStream" | "uploadBadge";
  /** The sniffed header of the uploaded file. */
  audio: AudioInfo;
  /** How many attempts it took (1 without retries). */
  attempts: number;
  /** uploadBadge only. */
  badgeId?: string;
  /** uploadBadge only. */
  talkIds?: string[];
}

export interface UploadTextResult { talkId: string; /** How many attempts it took. */ attempts: number }

export interface SpeechSenseChatMessage { user_id: string | number; text: string; timestamp: string }
export interface SpeechSenseChat { messages: SpeechSenseChatMessage[] }

export interface Presign { url: string; fields: Record<string, string> | Array<[string, string]> }

export type PresignedUploadOptions = CommonUploadOptions & {
  /** A presigned POST, or a function that makes a fresh one (then used again on expiry). */
  presign: Presign | (() => Presign | Promise<Presign>);
};

export interface PresignedUploadResult { key: string; location?: string; etag?: string; /** How many attempts it took (1 without retries). */ attempts: number }

/** The Vela API token, or a talk-gateway ticket (`apiBase` then is the gateway's `/vela`);
 * either is sent as `Authorization: Bearer …`. */
export type VelaAuth = { token: Credential; ticket?: never } | { ticket: Credential; token?: never };

export type UploadVelaCallOptions = CommonUploadOptions & VelaAuth & {
  apiBase: string;
  orgId: string;
  email: string;
  /** "YYYY-MM-DD" or an ISO 8601 date-time. */
  dateOfCall: string;
};

export interface VelaChatMessage { timestamp: string; sender: string; content: string }
export interface VelaChatData {
  session_id: string;
  agent_id: string;
  customer_id?: string | null;
  start_time: string;
  end_time: string;
  messages: VelaChatMessage[];
}

export type UploadVelaChatOptions = CommonUploadOptions & VelaAuth & {
  apiBase: string;
  orgId: string;
  metadata?: Record<string, unknown>;
};

export interface UploadVelaChatResult { chatId: string; status: string; processingStatus: string; /** How many attempts it took. */ attempts: number }

/** Every `UploadError.code`; docs/api.md says what each means. A closed set: a service's own
 * code is in `s3Code` (S3) or the message (an unknown Vela error, which is `http_error`). */
export type UploadErrorCode =
  | "aborted"
  | "invalid_options"
  | "validation_failed"
  | "invalid_endpoint"
  | "insecure_endpoint"
  | "file_unreadable"
  | "unsupported"
  | "internal"
  | "module_poisoned"
  | "worker_failed"
  | "network_error"
  | "stalled"
  | "outcome_unknown"
  | "http_error"
  | "invalid_response"
  | "invalid_request"
  | "cancelled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "out_of_range"
  | "unimplemented"
  | "unavailable"
  | "data_loss"
  | "unauthenticated"
  | "missing_grpc_status"
  | "missing_response_message"
  | "extra_response_messages"
  | "invalid_response_message"
  | "operation_failed"
  | "frame_too_large"
  | "invalid_field_number"
  | "file_range_out_of_bounds"
  | "truncated_response"
  | "compressed_frame"
  | "unknown_frame_flag"
  | "data_after_trailers"
  | "invalid_trailer"
  | "empty_file"
  | "unknown_container"
  | "unsupported_codec"
  | "truncated_header"
  | "invalid_header"
  | "needs_more_data"
  | "unspecified_container"
  | "wav_not_pcm16"
  | "wav_sample_rate"
  | "audio_too_long"
  | "format_not_allowed_for_method"
  | "file_too_large_for_upload"
  | "invalid_chunk_size"
  | "chunk_too_large"
  | "too_many_chunks"
  | "presign_invalid_url"
  | "presign_file_field"
  | "presign_duplicate_field"
  | "presign_missing_key"
  | "presign_policy_unreadable"
  | "presign_expired"
  | "file_too_large_for_policy"
  | "file_too_small_for_policy"
  | "presign_key_rejected"
  | "presign_condition_failed"
  | "presign_field_missing"
  | "presign_field_not_in_policy"
  | "presign_failed"
  | "s3_error"
  | "unauthorized"
  | "minute_allocation_exceeded";
/** Every failure of this package is an `UploadError`, a real `Error` subclass:
 * `e instanceof UploadError`, `e instanceof Error` and `isUploadError(e)` all hold. */
export class UploadError extends Error {
  private constructor();
  name: "UploadError";
  /** Stable snake_case code (e.g. "aborted", "network_error", "unauthenticated",
   * "validation_failed", "outcome_unknown", "invalid_options"; "s3_error" with `s3Code`). */
  code: UploadErrorCode;
  /** HTTP status of the last response. */
  status?: number;
  /** gRPC status code from SpeechSense. */
  grpcStatus?: number;
  /** The attempt that failed last (1-based). */
  attempt?: number;
  /** What the caller's own code threw (a getter, a Proxy trap, a presign or credential
   * function), or the underlying platform error (a file read failure). */
  cause?: unknown;
  /** Validation problems, for "validation_failed". */
  issues?: Issue[];
  /** S3's own `<Code>` (e.g. "AccessDenied", "EntityTooLarge"), when `code` is "s3_error". */
  s3Code?: string;
}
"#;
