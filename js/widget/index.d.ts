// Types of talk-uploader/widget: the <talk-uploader-drop> element and its events.
import type { AudioInfo, Issue, UploadPhase, Presign, ZipEntry, ZipReport } from "../index.js";

/** What the widget uploads, and how. */
export type UploadTarget = "speechsense-audio" | "speechsense-chat" | "vela-call" | "vela-chat" | "labelbox" | "vela-batch";

/** Every user-visible string; `{name}` placeholders are filled in. */
export type WidgetStrings = typeof en;
export declare const en: Record<
  | UploadTarget | "drop" | "choose" | "json" | "metadata" | "inMetadata" | "check" | "upload" | "cancel" | "checking"
  | "ok" | "okWarnings" | "failed" | "warning" | "noInput" | "noFile" | "noTarget" | "badJson" | "facts"
  | UploadPhase | "progress" | "speed" | "announce" | "stored" | "cancelled" | "authFailed" | "network"
  | "error" | "line",
  string
>;

/** An issue as the widget shows it: `field` is the control it is about (`f` file, `j` JSON, `m` metadata). */
export interface WidgetIssue extends Omit<Issue, "code"> { code: string; field: "f" | "j" | "m"; warning?: true; entry?: string }

export interface ValidatedDetail {
  target: UploadTarget;
  ok: boolean;
  errors: WidgetIssue[];
  warnings: WidgetIssue[];
  /** The sniffed audio header (audio targets), or the zip's entries and stats (vela-batch). */
  info: AudioInfo | { entries: ZipEntry[]; stats: ZipReport["stats"] } | null;
}
export interface ProgressDetail {
  target: UploadTarget;
  loaded: number;
  total: number;
  phase: UploadPhase;
  /** 0 to 100, rounded down. */
  percent: number;
  /** Smoothed, in bytes per second (0 until measured). */
  bytesPerSecond: number;
  /** Seconds left while sending, else null. */
  etaSeconds: number | null;
}
export interface DoneDetail {
  target: UploadTarget;
  /** The upload call's result: `{ talkId }`, `{ chatId }`, `{ key }`, or (labelbox) `{ ok, key, row, rows }`. */
  result: Record<string, unknown>;
}
export interface ErrorDetail {
  target: UploadTarget;
  error: { code: string; message: string; status?: number; grpcStatus?: number; issues?: Issue[] };
}
/** What the presign function gets (vela-batch and labelbox): talk-gateway's POST /s3/presign body. */
export interface PresignRequest { filename: string; size: number; contentType: string }

export declare class TalkUploaderDrop extends HTMLElement {
  target: UploadTarget | "";
  /** SpeechSense grpc-web endpoint, or the Vela API base (vela-*), or talk-gateway (its /s3/presign for labelbox, vela-batch). */
  endpoint: string;
  connectionId: string;
  orgId: string;
  /** A function returning an upload ticket (called per attempt), or a key / token string for local development. */
  credentials: (() => string | Promise<string>) | string | null;
  /** For vela-batch and labelbox; defaults to POST {endpoint}/s3/presign with the ticket. */
  presign: ((request: PresignRequest) => Presign | Promise<Presign>) | null;
  /** labelbox: accept loopback http:// row URLs (a local devserver bucket). */
  allowLoopbackHttp: boolean;
  /** speechsense-audio: the upload method (default "auto"). */
  method: "auto" | "upload" | "uploadAsStream" | "uploadBadge" | undefined;
  /** The JSON editor's text. */
  value: string;
  /** The metadata editor's text (an object is stringified). */
  metadata: string;
  /** Missing keys fall back to English. */
  strings: Partial<WidgetStrings>;
  file: File | null;
  setFile(file: File): Promise<ValidatedDetail>;
  check(): Promise<ValidatedDetail>;
  upload(): Promise<DoneDetail | undefined>;
  cancel(): void;
  select(field: "j" | "m", line: number, column: number): void;
  addEventListener<K extends keyof TalkUploaderDropEventMap>(type: K, listener: (this: TalkUploaderDrop, ev: TalkUploaderDropEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface TalkUploaderDropEventMap extends HTMLElementEventMap {
  "tu-validated": CustomEvent<ValidatedDetail>;
  "tu-progress": CustomEvent<ProgressDetail>;
  "tu-done": CustomEvent<DoneDetail>;
  "tu-error": CustomEvent<ErrorDetail>;
}

declare global {
  interface HTMLElementTagNameMap { "talk-uploader-drop": TalkUploaderDrop }
  interface HTMLElementEventMap {
    "tu-validated": CustomEvent<ValidatedDetail>;
    "tu-progress": CustomEvent<ProgressDetail>;
    "tu-done": CustomEvent<DoneDetail>;
    "tu-error": CustomEvent<ErrorDetail>;
  }
}
