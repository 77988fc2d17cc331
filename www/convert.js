// The check & convert tab: a chat in SpeechSense, Vela or Labelbox form is checked (each issue a
// link to its line and column in the editor) and converted to another, either direction. A file
// is checked and converted in a Worker (createValidator), so a large one never freezes the page.
import { CONVERT_SAMPLES } from "./samples.js";

const KIND = { speechsense: "speechsense-chat", vela: "vela-chat", labelbox: "labelbox-conversation" };
const TAB = { speechsense: "speechsense-chat", vela: "vela-chat", labelbox: "labelbox" };

/** Selects from `column` to the end of `line` (1-based) in a textarea, and scrolls it into view. */
export function selectAt(ta, line, column) {
  const lines = ta.value.split("\n");
  let at = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
  const len = (lines[line - 1] ?? "").length;
  ta.focus();
  ta.setSelectionRange(at + Math.min(Math.max(column - 1, 0), len), at + len);
  ta.scrollTop = Math.max(0, (line - 3) * (parseFloat(getComputedStyle(ta).lineHeight) || 16));
}

export function setupConvert({ tu, $, widgets, selectTab }) {
  let validator = null;
  let file = null;
  let last = null;
  const from = () => $("cv-from").value, to = () => $("cv-to").value;
  const showMeta = () => { $("cv-meta-w").hidden = from() !== "speechsense"; };

  const render = (report, title) => {
    const list = $("cv-issues");
    list.replaceChildren();
    const all = [...report.errors, ...report.warnings.map((w) => ({ ...w, warning: true }))];
    for (const i of all) {
      const li = document.createElement("li");
      if (i.warning) li.className = "warning";
      const text = `${i.warning ? "warning: " : ""}${i.line ? `${i.line}:${i.column} ` : ""}${i.path || "/"} — ${i.message} (${i.code})`;
      if (i.line && !file) {
        const a = document.createElement("a");
        a.href = "#cv-src";
        a.textContent = text;
        a.dataset.line = i.line;
        a.dataset.column = i.column;
        a.onclick = (e) => { e.preventDefault(); selectAt($("cv-src"), i.line, i.column); };
        li.append(a);
      } else li.textContent = text;
      list.append(li);
    }
    $("cv-src").setAttribute("aria-invalid", String(report.errors.length > 0));
    const s = $("cv-summary");
    s.className = `summary ${report.ok ? "ok" : "bad"}`;
    s.textContent = report.ok
      ? `${title}: no errors${report.warnings.length ? `, ${report.warnings.length} warning(s)` : ""}.`
      : `${title}: ${report.errors.length} error(s); each links to its place in the source.`;
  };

  const input = () => file ?? $("cv-src").value;
  const worker = () => (validator ||= tu.createValidator());

  const check = async () => {
    const opts = { kind: KIND[from()] };
    if (from() === "speechsense" && $("cv-meta").value.trim()) opts.metadata = $("cv-meta").value;
    // Files go through the worker; pasted text is small enough for the page itself.
    const report = file ? await worker().validate(file, opts) : tu.validate(input(), opts);
    render(report, `Checked as ${from()}`);
    return report;
  };

  const convert = async () => {
    $("cv-out").value = $("cv-out-meta").value = "";
    $("cv-out-meta-w").hidden = true;
    $("cv-use").disabled = true;
    if (from() === to()) { render({ ok: false, errors: [{ code: "same_format", message: "choose two different formats", path: "" }], warnings: [] }, "Convert"); return; }
    const opts = { from: from(), to: to() };
    if (from() === "speechsense" && $("cv-meta").value.trim()) opts.metadata = $("cv-meta").value;
    if (to() === "vela") Object.assign(opts, { orgId: $("org-id").value, sessionId: $("cv-session").value });
    const r = file ? await worker().convertChat(file, opts) : tu.convertChat(input(), opts);
    render(r, `Converted ${from()} → ${to()}`);
    if (!r.ok) return;
    $("cv-out").value = JSON.stringify(JSON.parse(r.output), null, 2);
    if (r.metadata) {
      $("cv-out-meta").value = JSON.stringify(JSON.parse(r.metadata), null, 2);
      $("cv-out-meta-w").hidden = false;
    }
    last = { to: to(), output: $("cv-out").value, metadata: r.metadata };
    $("cv-use").disabled = false;
  };

  const sample = (name) => {
    file = null;
    $("cv-file").value = "";
    const s = CONVERT_SAMPLES[name];
    $("cv-src").value = s.text;
    $("cv-meta").value = s.metadata ?? "";
    if (name !== "broken") $("cv-from").value = name;
    if (from() === to()) $("cv-to").value = from() === "labelbox" ? "vela" : "labelbox";
    showMeta();
    return check();
  };

  // One-click samples, above the editors.
  const bar = document.createElement("div");
  bar.className = "actions samples";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Check & convert samples");
  for (const [name, label, bad] of [["speechsense", "SpeechSense chat"], ["vela", "Vela chat"], ["labelbox", "Labelbox conversation"], ["broken", "Broken JSON", true]]) {
    const b = document.createElement("button");
    Object.assign(b, { type: "button", textContent: label, className: bad ? "sample bad" : "sample" });
    b.dataset.sample = name;
    b.onclick = () => sample(name);
    bar.append(b);
  }
  $("cv-from").closest("section").querySelector(".grid").before(bar);

  $("cv-from").onchange = showMeta;
  $("cv-src").oninput = () => { file = null; };
  $("cv-file").onchange = async () => {
    file = $("cv-file").files[0] || null;
    if (file && file.size <= 1 << 20) { $("cv-src").value = await file.text(); file = null; }
    else if (file) $("cv-src").value = `(${file.name}, ${file.size.toLocaleString()} bytes: checked in the worker, not shown)`;
    check();
  };
  $("cv-check").onclick = () => check();
  $("cv-convert").onclick = () => convert();
  $("cv-use").onclick = () => {
    if (!last) return;
    const w = widgets[TAB[last.to]];
    if (last.metadata) w.metadata = JSON.stringify(JSON.parse(last.metadata), null, 2);
    w.value = last.output;
    selectTab(TAB[last.to], true);
  };
  showMeta();
}
