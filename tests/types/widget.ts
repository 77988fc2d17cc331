// A strict TypeScript consumer of talk-uploader/widget and createValidator (issue 11): the
// element's properties, its typed events, the Russian strings, and the worker's reports.
import { TalkUploaderDrop, type ProgressDetail, type UploadTarget } from "../../pkg/widget/index.js";
import { ru } from "../../pkg/widget/ru.js";
import { createValidator, validate, type ValidationReport } from "../../pkg/index.js";

export async function wire(el: TalkUploaderDrop, file: File): Promise<string> {
  const target: UploadTarget = "speechsense-audio";
  el.target = target;
  el.endpoint = "https://gateway.example.com";
  el.connectionId = "c1";
  el.credentials = async () => "ticket";
  el.strings = ru;
  el.addEventListener("tu-progress", (e) => {
    const d: ProgressDetail = e.detail;
    const eta: number | null = d.etaSeconds;
    void eta;
  });
  el.addEventListener("tu-error", (e) => console.log(e.detail.error.code));
  const checked = await el.setFile(file);
  if (!checked.ok) return checked.errors[0].message;
  const done = await el.upload();
  const found = document.querySelector("talk-uploader-drop");
  found?.cancel();
  // A File in, a Promise out; a string in, the report at once.
  const a: Promise<ValidationReport> = validate(file, { kind: "vela-chat" });
  const b: ValidationReport = validate("{}", { kind: "vela-chat" });
  const v = createValidator();
  const c: ValidationReport = await v.validate(file, { kind: "speechsense-chat" });
  v.terminate();
  return `${(await a).ok} ${b.ok} ${c.ok} ${String(done?.result.talkId)}`;
}
