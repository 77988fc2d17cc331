// A TypeScript consumer of the whole upload API, compiled with `tsc --noEmit --strict` in
// `npm test`. It is never run: it proves the generated .d.ts names real types, not `any`.
import init, {
  sniffAudio, planChunks, uploadAudio, uploadText, presignedUpload, uploadVelaCall, uploadVelaChat,
  isUploadError, validate, convertChat, UploadError as UploadErrorClass,
  type ValidationReport, type Issue, type IssueCode, type ConvertResult, type ValidateOptions,
  type AudioInfo, type ChunkRange, type UploadAudioResult, type UploadTextResult, type PresignedUploadResult,
  type UploadVelaChatResult, type UploadProgress, type UploadError, type Presign, type UploadAudioOptions,
  type UploadErrorCode,
} from "../../pkg/index.js";

// Fails to compile if T is `any`.
type IsAny<T> = 0 extends 1 & T ? true : false;
function notAny<T>(_value: T, ..._proof: IsAny<T> extends true ? [never] : []): void {}

export async function main(file: File, chat: string): Promise<void> {
  await init();
  const controller = new AbortController();
  const onProgress = (p: UploadProgress): void => {
    const phase: "validating" | "sending" | "waiting" | "done" = p.phase;
    console.log(p.loaded / p.total, phase);
  };

  const info: AudioInfo = await sniffAudio(file);
  notAny(info);
  const rate: number = info.sampleRate;
  const duration: number | null = info.durationSec;
  const chunks: ChunkRange[] = planChunks(file.size, { chunkSize: 1 << 20 });
  notAny(chunks);
  const defaultChunks: ChunkRange[] = planChunks(file.size);
  console.log(rate, duration, chunks[0].start, defaultChunks.length);

  const options: UploadAudioOptions = {
    endpoint: "https://api.speechsense.example", apiKey: "k", connectionId: "c",
    method: "uploadBadge", chunkSize: 1 << 20, signal: controller.signal, onProgress,
    retry: { delays: [0, 1000] }, stallTimeoutMs: 30_000,
  };
  const audio: UploadAudioResult = await uploadAudio(file, { operator_id: "1" }, options);
  notAny(audio);
  const badge: string | undefined = audio.badgeId;
  const talks: string[] | undefined = audio.talkIds;
  console.log(audio.talkId, badge, talks, audio.method, audio.audio.container);

  const text: UploadTextResult = await uploadText(chat, '{"operator_id":"1"}', {
    endpoint: "http://127.0.0.1:8787", iamToken: "t", connectionId: "chat", signal: controller.signal,
  });
  notAny(text);
  console.log(text.talkId);
  // A talk-gateway ticket fetched from the page's backend before every attempt.
  const viaGateway: UploadTextResult = await uploadText(chat, '{"operator_id":"1"}', {
    endpoint: "https://gateway.example", connectionId: "chat",
    ticket: async () => (await fetch("/api/upload-ticket")).text(),
  });
  console.log(viaGateway.attempts);

  const presign: Presign = { url: "https://s3.example/bucket", fields: { key: "org/a.wav", policy: "..." } };
  const s3: PresignedUploadResult = await presignedUpload(file, { presign, onProgress, retry: false });
  const s3again: PresignedUploadResult = await presignedUpload(file, { presign: async () => presign });
  notAny(s3);
  console.log(s3.key, s3.location, s3.etag, s3again.key);

  const vela: PresignedUploadResult = await uploadVelaCall(file, {
    apiBase: "https://api.botlhale.xyz", token: "t", orgId: "o", email: "a@b.c", dateOfCall: "2024-01-15",
    signal: controller.signal, onProgress,
  });
  const velaChat: UploadVelaChatResult = await uploadVelaChat(
    { session_id: "s", agent_id: "a", start_time: "2024-01-15T10:30:00Z", end_time: "2024-01-15T10:45:00Z",
      messages: [{ timestamp: "2024-01-15T10:30:00Z", sender: "agent", content: "hi" }] },
    { apiBase: "https://gateway.example/vela", ticket: () => "t", orgId: "o", metadata: { channel: "web" }, onProgress },
  );
  console.log(vela.key, velaChat.chatId, velaChat.attempts);

  try {
    await uploadAudio(file, "{}", { endpoint: "https://x", apiKey: "k", connectionId: "c" });
  } catch (e: unknown) {
    if (isUploadError(e)) {
      const err: UploadError = e;
      const code: string = err.code;
      const closed: UploadErrorCode = err.code;
      notAny(closed);
      switch (err.code) {
        case "s3_error": console.log(err.s3Code); break;
        case "outcome_unknown": case "unauthenticated": console.log(err.message); break;
        default: console.log(err.code);
      }
      const grpc: number | undefined = err.grpcStatus;
      const issues = err.issues ?? [];
      console.log(code, grpc, err.status, err.attempt, err.message, issues.map((i) => i.path));
    }
  }
}

export function checks(chat: string, bytes: Uint8Array): void {
  const opts: ValidateOptions = { kind: "speechsense-metadata", connection: "audio-two-channel",
    fields: [{ name: "crm_url", type: "URL" }, { name: "score", type: "Fractional number", required: false }] };
  const report: ValidationReport = validate(bytes, opts);
  notAny(report);
  const first: Issue | undefined = report.errors[0];
  if (first) {
    const code: IssueCode = first.code;
    const where: string = `${first.path} ${first.line ?? "?"}:${first.column ?? "?"}`;
    switch (code) {
      case "missing_member": case "unquoted_value": console.log(where); break;
      default: console.log(code);
    }
  }
  const chatReport = validate(chat, { kind: "speechsense-chat", metadata: { operator_id: "1" } });
  const converted: ConvertResult = convertChat(chat, { from: "speechsense", to: "labelbox", metadata: "{}" });
  notAny(converted);
  console.log(chatReport.ok, converted.output, converted.metadata, report.stats.bytes);
  try {
    validate(chat, { kind: "vela-chat" });
  } catch (e) {
    if (e instanceof UploadErrorClass) console.log(e.code, e.message);
  }
}

// @ts-expect-error an unknown kind
validate("{}", { kind: "speechsense" });
// @ts-expect-error IssueCode is a closed set
const badCode: IssueCode = "no_such_code";
console.log(badCode);
// @ts-expect-error UploadErrorCode is a closed set: S3's own codes are in s3Code
const s3Code: UploadErrorCode = "AccessDenied";
console.log(s3Code);

// @ts-expect-error apiKey and iamToken are exclusive
const both: UploadAudioOptions = { endpoint: "https://x", apiKey: "k", iamToken: "t", connectionId: "c" };
// @ts-expect-error method is a closed set
const badMethod: UploadAudioOptions = { endpoint: "https://x", apiKey: "k", connectionId: "c", method: "fast" };
// @ts-expect-error a ticket and an API key are exclusive
const ticketAndKey: UploadAudioOptions = { endpoint: "https://x", apiKey: "k", ticket: "t", connectionId: "c" };
// @ts-expect-error a credential function returns a string
const numberTicket: UploadAudioOptions = { endpoint: "https://x", ticket: () => 1, connectionId: "c" };
console.log(both, badMethod, ticketAndKey, numberTicket);
