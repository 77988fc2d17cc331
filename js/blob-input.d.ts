// Types of the entry's validate / convertChat (string, bytes, or a Blob) and createValidator().
import type { ValidateOptions, ValidationReport, ConvertOptions, ConvertResult } from "./talk_uploader.js";

/** Checks a document; with a Blob or File, reads its bytes and resolves to the report. */
export function validate(input: string | Uint8Array, options: ValidateOptions): ValidationReport;
export function validate(input: Blob, options: ValidateOptions): Promise<ValidationReport>;
/** Converts a chat; with a Blob or File, reads its bytes and resolves to the result. */
export function convertChat(input: string | Uint8Array, options: ConvertOptions): ConvertResult;
export function convertChat(input: Blob, options: ConvertOptions): Promise<ConvertResult>;

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
