// A TypeScript consumer of the batch API (inspectZip, uploadVelaBatch), compiled with
// `tsc --noEmit --strict` in `npm test`; never run.
import { inspectZip, uploadVelaBatch, type ZipReport, type ZipEntry, type ZipIssue, type UploadVelaBatchResult } from "../../pkg/talk_uploader.js";

type IsAny<T> = 0 extends 1 & T ? true : false;
function notAny<T>(_value: T, ..._proof: IsAny<T> extends true ? [never] : []): void {}

export async function batch(file: File): Promise<void> {
  const report: ZipReport = await inspectZip(file, { sampleBytes: 1 << 16, maxIssues: 100 });
  notAny(report);
  const first: ZipEntry | undefined = report.entries[0];
  const kind: "csv" | "tsv" | "json" | "other" | undefined = first?.kind;
  const issue: ZipIssue | undefined = report.errors[0];
  const where: string | undefined = issue?.entry;
  const read: number = report.stats.bytesRead;
  console.log(kind, where, read, issue?.line, report.truncated);
  const result: UploadVelaBatchResult = await uploadVelaBatch(file, {
    presign: async () => ({ url: "https://bucket.example.com", fields: { key: "org/batch.zip" } }),
    onProgress: (p) => console.log(p.loaded),
  });
  notAny(result);
  console.log(result.key, result.report.ok);
}

// @ts-expect-error presign is required
uploadVelaBatch(new Blob([]), {});
// @ts-expect-error an entry kind is a closed set
const badKind: ZipEntry["kind"] = "xml";
console.log(badKind);
