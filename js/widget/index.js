// <talk-uploader-drop>: a framework-free upload widget over the package's own API. Drop or pick a
// file, or paste JSON; the checks run inline; Upload sends it with progress (bytes, speed, ETA,
// phase); Cancel aborts. Fires tu-validated, tu-progress, tu-done and tu-error (types in
// index.d.ts). Styling: CSS custom properties and ::part(); strings: the `strings` property.
import init, * as tu from "../index.js";
import css from "./style.js";
import { en } from "./strings.js";

export { en };

const AUDIO = { "speechsense-audio": 1, "vela-call": 1 };
const JSON_IN = { "speechsense-chat": 1, "vela-chat": 1, labelbox: 1 };
const META = { "speechsense-audio": 1, "speechsense-chat": 1, "vela-call": 1 };
// A JSON file larger than this is checked as bytes and not put into the editor.
const EDITOR_MAX = 2 << 20;
let ready;
let sheet;
let validator;

const fill = (t, v) => t.replace(/\{(\w+)\}/g, (_, k) => (v[k] ?? ""));
const bytes = (n) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : n < 1 << 30 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1073741824).toFixed(2)} GiB`);
const clock = (s) => (s >= 3600 ? `${(s / 3600) | 0}:` : "") + `${String(((s / 60) | 0) % 60).padStart(s >= 3600 ? 2 : 1, "0")}:${String(Math.ceil(s) % 60).padStart(2, "0")}`;

const HTML = `<div part="root" class="root">
<p part="title" class="title" id="t"></p>
<div part="drop" class="drop" id="d"><p id="fl"></p><button part="button pick" type="button" id="pk" aria-describedby="fl fx"></button><input class="sr" type="file" id="f" tabindex="-1" aria-hidden="true"><p class="facts" id="fx" hidden></p></div>
<label part="field" id="jw"><span id="jl"></span><textarea part="editor" id="j" spellcheck="false" rows="10"></textarea></label>
<label part="field" id="mw"><span id="ml"></span><textarea part="editor metadata" id="m" spellcheck="false" rows="6"></textarea></label>
<div id="v" tabindex="-1"><p part="summary" class="summary" id="sum"></p><ul part="issues" class="issues" id="is"></ul></div>
<div part="actions" class="actions"><button part="button check" class="quiet" type="button" id="c"></button><button part="button upload" type="button" id="u"></button><button part="button cancel" class="quiet" type="button" id="x" disabled></button></div>
<progress part="progress" id="p" max="1" value="0" hidden></progress>
<p part="status" class="status" id="st"></p>
<p part="result" class="result" id="r"></p>
<div class="sr" role="status" aria-live="polite" id="live"></div>
</div>`;

export class TalkUploaderDrop extends HTMLElement {
  static observedAttributes = ["target", "endpoint", "connection-id", "org-id"];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = HTML;
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    this._ = (id) => root.getElementById(id);
    this._s = en;
    this.credentials = null;
    this.presign = null;
    this.allowLoopbackHttp = false;
    this.method = undefined;
    this.file = null;
    this._ctl = null;
    const $ = this._;
    $("f").onchange = () => $("f").files[0] && this.setFile($("f").files[0]);
    // A button of ours opens the picker: the native one's text is the browser's, not `strings`.
    $("pk").onclick = () => $("f").click();
    const d = $("d");
    d.ondragover = (e) => { e.preventDefault(); d.classList.add("over"); };
    d.ondragleave = () => d.classList.remove("over");
    d.ondrop = (e) => { e.preventDefault(); d.classList.remove("over"); const f = e.dataTransfer.files[0]; if (f && !this._ctl) this.setFile(f); };
    let timer;
    $("j").oninput = $("m").oninput = (e) => { if (e.target.id === "j") this._typed(); else this._reset(); clearTimeout(timer); timer = setTimeout(() => this.check(), 400); };
    $("c").onclick = () => this.check();
    // The outcome is shown and fired as tu-done / tu-error; the rejection is for callers of upload().
    $("u").onclick = () => this.upload().catch(() => {});
    $("x").onclick = () => this.cancel();
    $("is").onclick = (e) => { const b = e.target.closest("button"); if (b) this.select(b.dataset.f, +b.dataset.l, +b.dataset.c); };
  }

  connectedCallback() { this._render(); }
  attributeChangedCallback() { this._render(); }

  get target() { return this.getAttribute("target") || ""; }
  set target(v) { this.setAttribute("target", v); }
  get endpoint() { return this.getAttribute("endpoint") || ""; }
  set endpoint(v) { this.setAttribute("endpoint", v); }
  get connectionId() { return this.getAttribute("connection-id") || ""; }
  set connectionId(v) { this.setAttribute("connection-id", v); }
  get orgId() { return this.getAttribute("org-id") || ""; }
  set orgId(v) { this.setAttribute("org-id", v); }
  /** The JSON text (chat targets). */
  get value() { return this._("j").value; }
  set value(v) { this._("j").value = v; this._typed(); this.check(); }
  /** The metadata JSON text. */
  get metadata() { return this._("m").value; }
  set metadata(v) { this._("m").value = typeof v === "string" ? v : JSON.stringify(v, null, 2); }
  get strings() { return this._s; }
  set strings(v) { this._s = { ...en, ...v }; this._render(); }

  _t(k, v) { return fill(this._s[k] ?? en[k], v || {}); }

  _render() {
    const $ = this._, t = this.target;
    $("t").textContent = this._s[t] || this._t("noTarget");
    $("fl").textContent = this._t("drop");
    $("pk").textContent = this._t("choose");
    $("f").accept = AUDIO[t] ? "audio/*,.wav,.mp3,.ogg,.opus" : t === "vela-batch" ? ".zip,application/zip" : ".json,application/json";
    $("jl").textContent = this._t("json");
    $("ml").textContent = this._t("metadata");
    $("jw").hidden = !JSON_IN[t];
    $("mw").hidden = !META[t];
    $("c").textContent = this._t("check");
    $("u").textContent = this._t("upload");
    $("x").textContent = this._t("cancel");
  }

  /** The editor's text is the input now, not a file it came from. */
  _typed() {
    this._big = null;
    if (JSON_IN[this.target]) { this.file = null; this._("f").value = ""; }
    this._reset();
  }

  /** A new input: the last upload's progress and result no longer apply. */
  _reset() {
    if (this._ctl) return;
    const $ = this._;
    $("p").hidden = true;
    $("st").textContent = $("r").textContent = "";
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Takes a file as if it were dropped: audio and zips are sniffed, JSON is read into the editor. */
  async setFile(file) {
    this.file = file;
    this._big = null;
    this._reset();
    // A file given by script: the native input must not keep naming the previous one.
    const f = this._("f");
    if (f.files[0] !== file) f.value = "";
    if (JSON_IN[this.target]) {
      if (file.size > EDITOR_MAX) { this._big = file; this._("j").value = ""; }
      else this._("j").value = await file.text();
    }
    return this.check();
  }

  /** Moves the caret to an issue's place in the editor and selects the rest of that line. */
  select(field, line, column) {
    const ta = this._(field === "f" ? "pk" : field);
    if (!ta || ta.tagName !== "TEXTAREA" || !line) { ta?.focus(); return; }
    const lines = ta.value.split("\n");
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    const len = (lines[line - 1] ?? "").length;
    const start = at + Math.min(Math.max(column - 1, 0), len);
    ta.focus();
    ta.setSelectionRange(start, at + len);
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 16;
    ta.scrollTop = Math.max(0, (line - 3) * lh);
  }

  async _validate() {
    await (ready ||= init());
    const t = this.target, $ = this._, out = [];
    const add = (f, r, pre = "") => {
      for (const i of r.errors) out.push({ ...i, field: f, path: pre + (i.path || "/") });
      for (const i of r.warnings) out.push({ ...i, field: f, path: pre + (i.path || "/"), warning: true });
    };
    const fail = (f, e) => out.push({ code: e.code || "error", message: e.message, path: "", line: null, column: null, field: f });
    let info = null;
    if (!t) fail("f", { message: this._t("noTarget") });
    else if (AUDIO[t] || t === "vela-batch") {
      if (!this.file) fail("f", { code: "no_file", message: this._t("noFile") });
      else if (t === "vela-batch") {
        const r = await tu.inspectZip(this.file);
        info = { entries: r.entries, stats: r.stats };
        for (const i of r.errors) out.push({ ...i, field: "f", path: `${i.entry ?? ""} ${i.path || "/"}`.trim() });
        for (const i of r.warnings) out.push({ ...i, field: "f", path: `${i.entry ?? ""} ${i.path || "/"}`.trim(), warning: true });
      } else {
        // For SpeechSense, sniffAudio also applies the rules uploadAudio checks before its first
        // byte (same codes and messages), so a refused file is named when it is chosen.
        const sniff = t === "speechsense-audio" ? { method: this.method || "auto" } : undefined;
        try { info = await tu.sniffAudio(this.file, sniff); } catch (e) { fail("f", e); }
      }
    }
    if (META[t]) {
      const kind = t === "vela-call" ? "vela-call-metadata" : "speechsense-metadata";
      const opts = { kind };
      if (kind !== "vela-call-metadata") opts.connection = t === "speechsense-chat" ? "chat" : this.getAttribute("connection-kind") || "audio-one-channel";
      add("m", tu.validate($("m").value, opts), `${this._t("inMetadata")} `);
    }
    if (JSON_IN[t]) {
      const input = this._big || $("j").value;
      if (!this._big && !input.trim()) fail("j", { code: "no_input", message: this._t("noInput") });
      else {
        const kind = t === "labelbox" ? "labelbox-conversation" : t;
        const opts = { kind };
        if (t === "speechsense-chat") opts.metadata = $("m").value;
        // A large file is checked in a Worker (createValidator), so the page never freezes.
        add(this._big ? "f" : "j", this._big ? await (validator ||= tu.createValidator()).validate(input, opts) : tu.validate(input, opts));
      }
    }
    return { issues: out, info };
  }

  /** Runs the checks and shows them; resolves to the tu-validated detail. */
  async check() {
    const $ = this._, s = this._s, seq = (this._seq = (this._seq || 0) + 1);
    $("sum").textContent = this._t("checking");
    let res;
    try { res = await this._validate(); } catch (e) { res = { issues: [{ code: e.code || "error", message: e.message, path: "", field: "f" }], info: null }; }
    const { issues, info } = res;
    const errors = issues.filter((i) => !i.warning), warnings = issues.filter((i) => i.warning);
    const ok = errors.length === 0;
    // A later check (a newer file, more typing) owns the display; this one only answers its caller.
    if (seq !== this._seq) return { target: this.target, ok, errors, warnings, info };
    $("sum").textContent = ok ? (warnings.length ? this._t("okWarnings", { n: warnings.length }) : this._t("ok")) : this._t("failed", { n: errors.length });
    $("sum").className = `summary ${ok ? "ok" : "bad"}`;
    $("is").replaceChildren(...issues.map((i) => {
      const li = document.createElement("li");
      if (i.warning) li.className = "w";
      const where = i.line ? `${i.line}:${i.column} ` : "";
      const text = `${i.warning ? `${s.warning}: ` : ""}${where}${i.path ? `${i.path} — ` : ""}${i.message} (${i.code})`;
      if (i.line && i.field !== "f") {
        const b = document.createElement("button");
        b.type = "button";
        Object.assign(b.dataset, { f: i.field, l: i.line, c: i.column });
        b.textContent = text;
        b.setAttribute("aria-label", `${this._t("line", i)}: ${text}`);
        li.append(b);
      } else li.textContent = text;
      return li;
    }));
    for (const f of ["f", "j", "m"]) {
      const bad = errors.some((i) => i.field === f), el = f === "f" ? $("pk") : $(f);
      el.setAttribute("aria-invalid", String(bad));
      el.setAttribute("aria-describedby", (f === "f" ? "fl fx " : "") + (bad ? "sum is" : ""));
    }
    const fx = $("fx");
    const f = this.file;
    fx.hidden = !f;
    if (f) fx.textContent = `${f.name} (${bytes(f.size)})${info && info.container ? `: ${this._t("facts", { ...info, rate: info.sampleRate, duration: info.durationSec?.toFixed(1) ?? "?" })}` : ""}`;
    const detail = { target: this.target, ok, errors, warnings, info };
    this._emit("tu-validated", detail);
    return detail;
  }

  _cred(vela) {
    const c = this.credentials;
    if (typeof c === "function") return { ticket: c };
    return c ? (vela ? { token: c } : { apiKey: c }) : {};
  }

  async _presign(file) {
    if (this.presign) return this.presign(file);
    const c = this.credentials;
    if (typeof c !== "function") throw Object.assign(new Error("set the presign property, or a ticket function as credentials"), { code: "invalid_options" });
    const r = await fetch(`${this.endpoint}/s3/presign`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await c()}` },
      body: JSON.stringify(file),
    });
    if (!r.ok) throw Object.assign(new Error(`presign refused (HTTP ${r.status})`), { code: r.status === 401 ? "unauthenticated" : "presign_failed", status: r.status });
    return r.json();
  }

  async _send(signal, onProgress) {
    const t = this.target, $ = this._, file = this.file, endpoint = this.endpoint;
    // The JSON to send: a file's own bytes while the editor still holds it unedited (a textarea
    // turns CRLF into LF), a large file's that never went into it, else the editor's text.
    const src = JSON_IN[t] && file ? file : null;
    const text = src ? await src.text() : $("j").value;
    const common = { signal, onProgress };
    if (t === "speechsense-audio") return tu.uploadAudio(file, $("m").value, { endpoint, connectionId: this.connectionId, ...this._cred(), ...common, ...(this.method ? { method: this.method } : {}) });
    if (t === "speechsense-chat") return tu.uploadText(text, $("m").value, { endpoint, connectionId: this.connectionId, ...this._cred(), ...common });
    if (t === "vela-chat") {
      // The editor holds the whole Vela document (what `vela-chat` validates); the API takes its parts.
      const doc = JSON.parse(text);
      const o = { apiBase: endpoint, orgId: doc.org_id || this.orgId, ...this._cred(1), ...common };
      if (doc.metadata) o.metadata = JSON.stringify(doc.metadata);
      return tu.uploadVelaChat(JSON.stringify(doc.chat_data), o);
    }
    if (t === "vela-call") {
      const m = JSON.parse($("m").value), d = m.metadata || m;
      return tu.uploadVelaCall(file, { apiBase: endpoint, orgId: this.orgId || m.org_id, email: d.email, dateOfCall: d.date_of_call, ...this._cred(1), ...common });
    }
    if (t === "vela-batch") return tu.uploadVelaBatch(file, { presign: () => this._presign({ filename: file.name, size: file.size, contentType: "application/zip" }), ...common });
    const content = src || text;
    const name = file && JSON_IN[t] ? file.name : "conversation.json";
    return tu.uploadLabelboxConversations([{ name, content }], {
      presign: () => this._presign({ filename: name, size: src ? src.size : new TextEncoder().encode(content).length, contentType: "application/json" }),
      allowLoopbackHttp: this.allowLoopbackHttp, ...common,
      onProgress: (p) => onProgress({ ...p, phase: p.itemsDone ? "done" : "sending" }),
    }).then((o) => { const r = o.results[0]; if (!r.ok) throw r.error; return { ...r, rows: o.rows }; });
  }

  /** Checks, then uploads; resolves to the tu-done detail, or rejects with the tu-error detail's error. */
  async upload() {
    const $ = this._;
    if (this._ctl) return;
    const v = await this.check();
    if (!v.ok) { $("v").focus(); return; }
    const ctl = (this._ctl = new AbortController());
    $("u").disabled = $("pk").disabled = true;
    $("x").disabled = false;
    $("p").hidden = false;
    $("p").value = 0;
    $("r").textContent = "";
    $("r").className = "result";
    let said = 0, t0 = performance.now(), l0 = 0, speed = 0;
    const onProgress = ({ loaded, total, phase }) => {
      const now = performance.now(), dt = (now - t0) / 1000;
      if (dt >= 0.25) { const inst = (loaded - l0) / dt; speed = speed ? 0.7 * speed + 0.3 * inst : inst; t0 = now; l0 = loaded; }
      const pct = total ? Math.floor((100 * loaded) / total) : 0;
      const eta = speed > 0 && phase === "sending" ? (total - loaded) / speed : null;
      $("p").max = total || 1;
      $("p").value = loaded;
      $("st").textContent = this._t("progress", { phase: this._t(phase), loaded: bytes(loaded), total: bytes(total), pct })
        + (eta != null ? ` · ${this._t("speed", { speed: bytes(Math.round(speed)), eta: clock(eta) })}` : "");
      // Screen readers hear progress in 10 % steps, not every event.
      if (pct >= said + 10) { said = pct - (pct % 10); $("live").textContent = this._t("announce", { pct: said }); }
      this._emit("tu-progress", { target: this.target, loaded, total, phase, percent: pct, bytesPerSecond: speed, etaSeconds: eta });
    };
    try {
      const result = await this._send(ctl.signal, onProgress);
      const id = result.talkId || result.chatId || result.key || "";
      $("r").textContent = `${this._t("stored", { id })}\n${JSON.stringify(result, (k, v) => (k === "report" ? undefined : v), 2)}`;
      $("live").textContent = this._t("stored", { id });
      const detail = { target: this.target, result };
      this._emit("tu-done", detail);
      return detail;
    } catch (e) {
      const code = e.code || "error";
      const head = code === "aborted" ? this._t("cancelled")
        : /^(unauthenticated|unauthorized)$/.test(code) ? this._t("authFailed")
        : code === "network_error" ? this._t("network") : this._t("error");
      $("r").textContent = `${head}\n${e.message} (${code})`;
      $("r").className = "result bad";
      $("live").textContent = head;
      const error = { code, message: e.message, status: e.status, grpcStatus: e.grpcStatus, issues: e.issues };
      this._emit("tu-error", { target: this.target, error });
      throw e;
    } finally {
      this._ctl = null;
      $("u").disabled = $("pk").disabled = false;
      $("x").disabled = true;
    }
  }

  /** Aborts the running upload (it rejects with code `aborted`). */
  cancel() { this._ctl?.abort(); }
}

if (!customElements.get("talk-uploader-drop")) customElements.define("talk-uploader-drop", TalkUploaderDrop);
