// The demo page: a showroom of <talk-uploader-drop>, one tab per target, plus a check & convert
// tab. It imports the package exactly as users do: the entry (`talk-uploader`, guarded against
// panics) and the widget (`talk-uploader/widget`).
import init, * as tu from "/pkg/index.js";
import "/pkg/widget/index.js";
import { ru } from "/pkg/widget/ru.js";
import { SAMPLES } from "./samples.js";
import { setupConvert } from "./convert.js";

const $ = (id) => document.getElementById(id);
const TABS = [
  { id: "speechsense-audio", label: "SpeechSense audio", about: "Audio to SpeechSense over grpc-web: sniffed first (16-bit WAV, MP3, Ogg Opus), then streamed from the file with progress." },
  { id: "speechsense-chat", label: "SpeechSense chat", about: "UploadText: the chat and its metadata are checked together (every user_id must be in the metadata)." },
  { id: "vela-call", label: "Vela call", about: "A call recording to Vela: a presigned S3 POST, checked locally before the first byte." },
  { id: "vela-chat", label: "Vela chat", about: "A chat to Vela's chat API, sent byte for byte as checked." },
  { id: "labelbox", label: "Labelbox", about: "A Labelbox conversation hosted in the bucket; the result is the import row Labelbox expects." },
  { id: "vela-batch", label: "Vela batch zip", about: "A zip of call data (CSV, TSV or JSON): only its end and the first 64 KiB of each entry are read." },
  { id: "convert", label: "Check & convert", about: "" },
];

// `npm run demo` serves a demo-config.json naming talk-gateway and an upload ticket it minted:
// then every call goes through the gateway and the page holds no API key. Without it (the
// committed file says null) the page talks to the devserver directly with the key below.
let config = { gateway: null };
const freshTicket = () => fetch("demo-config.json", { cache: "no-store" }).then((r) => r.json()).then((c) => c.gateway.ticket);
const widgets = {};

async function post(url, headers, body) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (!r.ok) throw Object.assign(new Error(`presign refused (HTTP ${r.status})`), { code: r.status === 401 ? "unauthenticated" : "presign_failed" });
  return r.json();
}

/** Points every widget at the gateway (ticket) or the devserver (key), from the settings. */
function configure() {
  const gw = config.gateway;
  const key = $("api-key").value;
  for (const [target, w] of Object.entries(widgets)) {
    const vela = target.startsWith("vela-") && target !== "vela-batch";
    w.endpoint = gw ? (vela ? gw.velaBase : gw.endpoint) : $("endpoint").value;
    w.credentials = gw ? freshTicket : key;
    w.orgId = $("org-id").value;
    if (target === "speechsense-chat") w.connectionId = $("chat-connection").value;
    if (target === "speechsense-audio") w.connectionId = $("audio-connection").value;
  }
  // Direct mode has no gateway /s3/presign: the devserver presigns with the key.
  const direct = (kind) => (req) => kind === "batch"
    ? post("/api/presign/batch", { authorization: `Bearer ${key}` }, { org_id: $("org-id").value, filename: req.filename, size: req.size })
    : post("/asr/async/upload/vela", { authorization: `Bearer ${key}` }, { org_id: $("org-id").value });
  widgets["vela-batch"].presign = gw ? null : direct("batch");
  widgets.labelbox.presign = gw ? null : direct("labelbox");
}

function selectTab(id, focus) {
  for (const t of TABS) {
    const tab = $(`tab-${t.id}`), on = t.id === id;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${t.id}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (location.hash !== `#${id}`) history.replaceState(null, "", `#${id}`);
}

function buildTabs() {
  const nav = $("tabs"), main = $("panels");
  for (const t of TABS) {
    const tab = document.createElement("button");
    Object.assign(tab, { type: "button", id: `tab-${t.id}`, textContent: t.label });
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", `panel-${t.id}`);
    tab.onclick = () => selectTab(t.id);
    nav.append(tab);
    const panel = document.createElement("section");
    Object.assign(panel, { id: `panel-${t.id}`, hidden: true });
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", `tab-${t.id}`);
    panel.tabIndex = 0;
    main.append(panel);
    if (t.id === "convert") { panel.append($("convert-template").content.cloneNode(true)); continue; }
    const about = document.createElement("p");
    about.textContent = t.about;
    const samples = document.createElement("div");
    samples.className = "actions samples";
    samples.setAttribute("role", "group");
    samples.setAttribute("aria-label", `${t.label} samples`);
    const w = document.createElement("talk-uploader-drop");
    w.id = `w-${t.id}`;
    w.target = t.id;
    if (t.id === "labelbox") w.allowLoopbackHttp = true; // the demo's bucket is the devserver's loopback S3
    widgets[t.id] = w;
    for (const s of SAMPLES[t.id]) {
      const b = document.createElement("button");
      Object.assign(b, { type: "button", textContent: s.label, className: s.valid ? "sample" : "sample bad" });
      b.dataset.sample = s.id;
      b.onclick = () => s.apply(w, config);
      samples.append(b);
    }
    panel.append(about, samples, w);
  }
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  nav.onkeydown = (e) => {
    const i = TABS.findIndex((t) => $(`tab-${t.id}`) === document.activeElement);
    const d = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (i < 0 || !d) return;
    e.preventDefault();
    selectTab(TABS[(i + d + TABS.length) % TABS.length].id, true);
  };
}

// ---- storage panel ----

async function sha256(data) {
  const buf = typeof data === "string" ? new TextEncoder().encode(data) : await data.arrayBuffer();
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", buf))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
async function api(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

/** After an upload: what the devserver stored, next to the local bytes' sha256. */
async function recordStored(target, w, result) {
  const row = document.createElement("tr");
  const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.append(td); return td; };
  // What was sent: the file, or the editor's JSON (a large JSON file never enters the editor).
  const isFile = !["speechsense-chat", "vela-chat", "labelbox"].includes(target) || Boolean(w.file);
  const local = await sha256(isFile ? w.file : w.value);
  let as = "", stored = "", match = null;
  try {
    if (target === "speechsense-audio") {
      const t = await api(`/api/talks/${encodeURIComponent(result.talkId)}`);
      as = `talk ${t.id} (${t.method}, ${t.audio.bytes} bytes)`;
      stored = t.audio.sha256;
      match = stored === local;
    } else if (target === "speechsense-chat" || target === "vela-chat") {
      const id = result.talkId || result.chatId;
      const t = await api(`/api/talks/${encodeURIComponent(id)}`);
      as = `talk ${t.id} (${t.method})`;
      // The service stores the messages, not the bytes: compare those.
      const sent = JSON.parse(isFile ? await w.file.text() : w.value);
      const n = (sent.messages || sent.chat_data?.messages || []).length;
      stored = `${t.messages.length} messages`;
      match = t.messages.length === n;
    } else {
      const o = await api(`/api/objects/${result.key.split("/").map(encodeURIComponent).join("/")}`);
      as = `object ${o.key} (${o.bytes} bytes)`;
      stored = o.sha256;
      match = stored === local;
    }
  } catch (e) {
    stored = `not readable: ${e.message}`;
  }
  cell(target);
  cell(as);
  cell(local, "hash");
  cell(stored, "hash");
  const what = stored.endsWith(" messages") ? "messages" : "bytes";
  cell(match === null ? "?" : match ? `✓ same ${what}` : "✗ differs", match ? "ok" : "bad");
  row.dataset.target = target;
  row.dataset.match = String(match);
  $("stored").prepend(row);
}

async function listTalks() {
  const talks = await api("/api/talks");
  $("talks").textContent = talks.length
    ? talks.map((t) => `${t.id}  ${t.method.padEnd(14)} ${t.connectionId ?? ""}${t.audio ? `  audio ${t.audio.bytes} B sha256 ${t.audio.sha256}` : ""}`).join("\n")
    : "No talks stored yet.";
}

async function main() {
  await init();
  const r = await fetch("demo-config.json", { cache: "no-store" }).catch(() => null);
  if (r && r.ok) config = await r.json();
  buildTabs();
  const gw = config.gateway;
  $("endpoint").value = gw ? gw.endpoint : location.origin;
  $("mode").textContent = gw
    ? "Through talk-gateway: the page holds a short-lived upload ticket, never the API key."
    : "Direct to the devserver with the development API key (npm run demo goes through talk-gateway).";
  if (gw) {
    $("api-key").value = "";
    $("api-key").disabled = true;
    $("api-key").placeholder = "none (upload ticket)";
    $("endpoint").readOnly = true;
  }
  for (const id of ["endpoint", "api-key", "chat-connection", "audio-connection", "org-id"]) $(id).addEventListener("input", configure);
  configure();
  $("lang").onchange = () => {
    document.documentElement.lang = $("lang").value;
    for (const w of Object.values(widgets)) w.strings = $("lang").value === "ru" ? ru : {};
  };
  for (const [target, w] of Object.entries(widgets)) {
    w.addEventListener("tu-done", (e) => recordStored(target, w, e.detail.result));
  }
  $("talks-refresh").onclick = () => listTalks().catch((e) => { $("talks").textContent = e.message; });
  setupConvert({ tu, $, widgets, selectTab });
  const first = TABS.some((t) => `#${t.id}` === location.hash) ? location.hash.slice(1) : TABS[0].id;
  selectTab(first);
  document.title = `talk-uploader ${tu.version()} demo`;
}

main().catch((err) => {
  document.body.prepend(Object.assign(document.createElement("p"), { className: "fatal", textContent: `The demo could not start: ${err.message}` }));
});
