// Runs every package call under the page's CSP. The e2e test calls `window.runAll(settings)`
// (the API key arrives that way, never in the URL) and checks what the server stored.
import init, * as tu from "/pkg/index.js";

// A small real 16-bit LPCM WAV: tone plus noise, so a corrupted upload changes its sha256.
function synthWav(seconds, sampleRate) {
  const frames = Math.round(seconds * sampleRate);
  const buf = new DataView(new ArrayBuffer(44 + frames * 2));
  const ascii = (o, s) => [...s].forEach((c, i) => buf.setUint8(o + i, c.charCodeAt(0)));
  ascii(0, "RIFF"); buf.setUint32(4, 36 + frames * 2, true); ascii(8, "WAVE");
  ascii(12, "fmt "); buf.setUint32(16, 16, true); buf.setUint16(20, 1, true); buf.setUint16(22, 1, true);
  buf.setUint32(24, sampleRate, true); buf.setUint32(28, sampleRate * 2, true); buf.setUint16(32, 2, true); buf.setUint16(34, 16, true);
  ascii(36, "data"); buf.setUint32(40, frames * 2, true);
  let seed = 99;
  for (let i = 0; i < frames; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const v = 0.4 * Math.sin((2 * Math.PI * 150 * i) / sampleRate) + 0.05 * (seed / 2 ** 32 - 0.5);
    buf.setInt16(44 + i * 2, Math.round(v * 32767), true);
  }
  return new Uint8Array(buf.buffer);
}

async function sha256(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const CHAT = JSON.stringify({ messages: [
  { user_id: "cl-1", text: "Where is my parcel?", timestamp: "2025-04-24T11:34:19Z" },
  { user_id: "op-1", text: "On its way.", timestamp: "2025-04-24T11:34:45Z" },
] });
const CHAT_META = JSON.stringify({ operator_name: "Alice", operator_id: "op-1", client_name: "Bob", client_id: "cl-1",
  bot_name: "Helper", bot_id: "bot-1",
  date: "2025-04-24T11:34:19Z", direction_outgoing: "false", language: "ru-RU" });
const AUDIO_META = JSON.stringify({ operator_name: "Alice", operator_id: "op-1", date: "2025-04-24T11:34:19Z", language: "ru-RU" });

async function step(results, name, fn) {
  try {
    results[name] = { ok: true, value: await fn() };
  } catch (e) {
    results[name] = { ok: false, error: `${e.name} [${e.code}]: ${e.message}` };
  }
}

window.runAll = async ({ apiKey, chatConnection, audioConnection, orgId }) => {
  const results = {};
  const endpoint = location.origin;
  const wav = synthWav(1.5, 16000);
  const file = new File([wav], "csp.wav", { type: "audio/wav" });
  results.wav = { bytes: wav.length, sha256: await sha256(wav) };
  await step(results, "validate", () => {
    const r = tu.validate(CHAT, { kind: "speechsense-chat", metadata: CHAT_META });
    const bad = tu.validate("{\"messages\": [}", { kind: "speechsense-chat" });
    return { ok: r.ok, badOk: bad.ok, badLine: bad.errors[0]?.line };
  });
  await step(results, "sniffAudio", async () => (await tu.sniffAudio(file)).sampleRate);
  for (const method of ["upload", "uploadAsStream", "uploadBadge"]) {
    await step(results, `uploadAudio:${method}`, async () =>
      (await tu.uploadAudio(file, AUDIO_META, { endpoint, apiKey, connectionId: audioConnection, method })).talkId);
  }
  await step(results, "uploadText", async () =>
    (await tu.uploadText(CHAT, CHAT_META, { endpoint, apiKey, connectionId: chatConnection })).talkId);
  await step(results, "uploadVelaCall", async () =>
    (await tu.uploadVelaCall(file, { apiBase: endpoint, token: apiKey, orgId, email: "csp@example.com", dateOfCall: "2025-04-24" })).key);
  await step(results, "uploadVelaChat", async () =>
    (await tu.uploadVelaChat({ session_id: "csp-1", agent_id: "agent-1", start_time: "2025-04-24T10:00:00Z", end_time: "2025-04-24T10:05:00Z",
      messages: [{ timestamp: "2025-04-24T10:00:00Z", sender: "customer", content: "Hello" }] },
    { apiBase: endpoint, token: apiKey, orgId })).chatId);
  // A refusal must still settle as an UploadError under the CSP.
  await step(results, "refused", async () => {
    try {
      await tu.uploadText(CHAT, CHAT_META, { endpoint, apiKey: "wrong-key", connectionId: chatConnection, retry: false });
      return "accepted";
    } catch (e) {
      return e instanceof tu.UploadError ? e.code : `not an UploadError: ${e}`;
    }
  });
  return results;
};

await init();
document.title = `ready ${tu.version()}`;
