// The demo page: every action goes through the published package API, exactly as a user's
// upload widget would use it.
// The package's entry, as `import ... from "talk-uploader"` resolves it: every export guarded
// against a module-killing panic (js/guard.js).
import init, * as tu from "/pkg/index.js";
import { setupBatch } from "./batch.js";

const $ = (id) => document.getElementById(id);
const SAMPLE_CHAT = {
  messages: [
    { user_id: "cl-7", text: "Hello, my order has not arrived.", timestamp: "2025-04-24T14:34:19.000+03:00" },
    { user_id: "op-1", text: "Sorry to hear that! Let me check.", timestamp: "2025-04-24T14:34:45.000+03:00" },
    { user_id: "bot-3", text: "Order 1234 ships tomorrow.", timestamp: "2025-04-24T14:35:02.000+03:00" },
  ],
};
const SAMPLE_META = {
  operator_name: "Alice", operator_id: "op-1", client_name: "Bob", client_id: "cl-7",
  bot_name: "Helper", bot_id: "bot-3", date: "2025-04-24T14:34:19+03:00",
  direction_outgoing: "false", language: "ru-RU",
};
const SAMPLE_AUDIO_META = { operator_name: "Alice", operator_id: "op-1", date: "2025-04-24T14:34:19Z", language: "ru-RU" };

let controller = null;
let file = null;
// `npm run demo` serves a demo-config.json naming talk-gateway and an upload ticket it minted:
// then every call goes through the gateway and the page holds no API key. Without it (the
// committed file says null) the page talks to the devserver directly with the key below.
let gateway = null;

async function loadGateway() {
  const r = await fetch("demo-config.json", { cache: "no-store" });
  gateway = r.ok ? (await r.json()).gateway : null;
}

// Called for each attempt, as a page would ask its backend for a fresh ticket.
const freshTicket = () => fetch("demo-config.json", { cache: "no-store" }).then((r) => r.json()).then((c) => c.gateway.ticket);

function credential() {
  return gateway ? { ticket: freshTicket } : { apiKey: $("api-key").value };
}

function has(name) { return typeof tu[name] === "function"; }

// A presigned POST for the demo's bucket: through talk-gateway's /s3/presign with the ticket
// (which names the S3 prefix and the byte limit), or from the devserver itself with the key.
async function presign(kind, filename, size) {
  const post = async (url, headers, body) => {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`presign refused (${r.status}): ${await r.text()}`);
    return r.json();
  };
  if (gateway) {
    const ticket = await freshTicket();
    const contentType = kind === "batch" ? "application/zip" : "application/json";
    return post(`${gateway.endpoint}/s3/presign`, { authorization: `Bearer ${ticket}` }, { filename, size, contentType });
  }
  const auth = { authorization: `Bearer ${$("api-key").value}` };
  if (kind === "batch") return post("/api/presign/batch", auth, { org_id: $("org-id").value, filename, size });
  return post("/asr/async/upload/vela", auth, { org_id: $("org-id").value });
}

function showResult(value) {
  $("result-text").textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function showError(err) {
  const parts = [`${err.name || "Error"}${err.code ? ` [${err.code}]` : ""}: ${err.message}`];
  for (const k of ["status", "grpcStatus", "attempt"]) if (err[k] !== undefined) parts.push(`${k}: ${err[k]}`);
  showResult(parts.join("\n"));
}

function renderIssues(list, report) {
  list.replaceChildren();
  const add = (cls, text) => {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    list.append(li);
  };
  for (const i of report.errors) add("error", `${i.line}:${i.column} ${i.path || "/"} — ${i.message} (${i.code})`);
  for (const i of report.warnings) add("warning", `${i.line}:${i.column} ${i.path || "/"} — ${i.message} (${i.code})`);
  if (report.ok) add("ok", `No errors${report.warnings.length ? `, ${report.warnings.length} warning(s)` : ""}.`);
}

function checkChat() {
  if (!has("validate")) { showResult("This build has no validate() yet."); return null; }
  const meta = tu.validate($("meta-json").value, { kind: "speechsense-metadata", connection: "chat" });
  const chat = tu.validate($("chat-json").value, { kind: "speechsense-chat", metadata: $("meta-json").value });
  const merged = {
    ok: meta.ok && chat.ok,
    errors: [...meta.errors.map((i) => ({ ...i, path: `metadata.json ${i.path}` })), ...chat.errors],
    warnings: [...meta.warnings, ...chat.warnings],
  };
  renderIssues($("chat-issues"), merged);
  return merged;
}

function progress({ loaded, total, phase }) {
  $("progress").max = total || 1;
  $("progress").value = loaded;
  const pct = total ? ((100 * loaded) / total).toFixed(1) : "0";
  $("progress-text").textContent = `${phase}: ${loaded.toLocaleString()} / ${total.toLocaleString()} bytes (${pct} %)`;
}

async function run(task) {
  controller = new AbortController();
  $("abort").disabled = false;
  showResult("Working…");
  try {
    showResult(await task(controller.signal));
  } catch (err) {
    showError(err);
  } finally {
    $("abort").disabled = true;
    controller = null;
  }
}

function speechsenseOptions(connectionId, signal) {
  return {
    endpoint: $("endpoint").value, ...credential(), connectionId, signal, onProgress: progress,
  };
}

async function pickFile(f) {
  file = f;
  const facts = $("audio-info");
  facts.replaceChildren();
  const row = (k, v) => { const dt = document.createElement("dt"); dt.textContent = k; const dd = document.createElement("dd"); dd.textContent = v; facts.append(dt, dd); };
  row("file", `${f.name} (${f.size.toLocaleString()} bytes)`);
  if (has("sniffAudio")) {
    try {
      const info = await tu.sniffAudio(f);
      row("container", info.container);
      row("codec", info.codec);
      row("sample rate", `${info.sampleRate} Hz`);
      row("channels", String(info.channels));
      if (info.durationSec != null) row("duration", `${info.durationSec.toFixed(2)} s`);
    } catch (err) {
      row("problem", `${err.code || "error"}: ${err.message}`);
    }
  }
  $("upload-audio").disabled = !has("uploadAudio");
  $("upload-vela").disabled = !has("uploadVelaCall");
}

async function main() {
  await init();
  await loadGateway().catch(() => { gateway = null; });
  $("endpoint").value = gateway ? gateway.endpoint : location.origin;
  if (gateway) {
    $("api-key").value = "";
    $("api-key").disabled = true;
    $("api-key").placeholder = "none: an upload ticket from npm run demo";
  }
  $("chat-json").value = JSON.stringify(SAMPLE_CHAT, null, 2);
  $("meta-json").value = JSON.stringify(SAMPLE_META, null, 2);
  $("audio-meta-json").value = JSON.stringify(SAMPLE_AUDIO_META, null, 2);
  document.title = `talk-uploader ${tu.version()} demo`;

  $("check-chat").onclick = () => checkChat();
  $("upload-chat").onclick = () => {
    const report = checkChat();
    if (report && !report.ok) return;
    run((signal) => tu.uploadText($("chat-json").value, $("meta-json").value,
      speechsenseOptions($("chat-connection").value, signal)));
  };
  $("file").onchange = (e) => e.target.files[0] && pickFile(e.target.files[0]);
  const drop = $("drop");
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) pickFile(e.dataTransfer.files[0]); };
  $("upload-audio").onclick = () => run((signal) => tu.uploadAudio(file, $("audio-meta-json").value, {
    ...speechsenseOptions($("audio-connection").value, signal), method: $("method").value,
  }));
  $("upload-vela").onclick = () => run((signal) => tu.uploadVelaCall(file, {
    ...(gateway ? { apiBase: gateway.velaBase, ticket: freshTicket } : { apiBase: location.origin, token: $("api-key").value }),
    orgId: $("org-id").value,
    email: "demo@example.com", dateOfCall: new Date().toISOString().slice(0, 10), signal, onProgress: progress,
  }));
  $("abort").onclick = () => controller && controller.abort();
  setupBatch({ tu, $, run, progress, renderIssues, presign });
}

main().catch((err) => showError(err));
