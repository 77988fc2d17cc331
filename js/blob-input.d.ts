// Types of the entry's validate / convertChat (string, bytes, or a Blob) and createValidator().
import type { ValidateOptions, ValidationReport, ConvertOptions, ConvertResult, AudioInfo, SniffAudioOptions } from "./talk_uploader.js";

/** Checks a document; with a Blob or File, reads its bytes and resolves to the report. */
export function validate(input: string | Uint8Array, options: ValidateOptions): ValidationReport;
export function validate(input: Blob, options: ValidateOptions): Promise<ValidationReport>;
/** Converts a chat; with a Blob or File, reads its bytes and resolves to the result. */
export function convertChat(input: string | Uint8Array, options: ConvertOptions): ConvertResult;
export function convertChat(input: Blob, options: ConvertOptions): Promise<ConvertResult>;

/**
 * Reads the header of an audio file: container, codec, sample rate, channels and duration.
 *
 * Reads only the first ≤ 64 KiB, plus the last ≤ 64 KiB for Ogg and MP3 durations, and the
 * 64 KiB after a large ID3v2 tag. Rejects with an `UploadError` whose `code` says why the file
 * is not WAV, MP3 or Ogg Opus. With `options.method`, the file is also held to SpeechSense's
 * rules for that method (`"auto"` picks it as `uploadAudio` does), so a page can show
 * `wav_not_pcm16` or `file_too_large_for_upload` when the file is chosen, with the codes and
 * messages `uploadAudio` would give.
 */
export function sniffAudio(file: Blob, options?: SniffAudioOptions): Promise<AudioInfo>;

/** validate / convertChat in a dedicated Worker: the same reports, never blocking the page. */
export interface Validator {
  validate(input: string | Uint8Array | Blob, options: ValidateOptions): Promise<ValidationReport>;
  convertChat(input: string | Uint8Array | Blob, options: ConvertOptions): Promise<ConvertResult>;
  /** Stops the worker; calls still waiting reject with code `aborted`. */
  terminate(): void;
}
export interface CreateValidatorOptions {
  /** A Worker running talk-uploader's validate-worker.js, when you create it yourself. */
  worker?: Worker;
}
export function createValidator(options?: CreateValidatorOptions): Validator;
