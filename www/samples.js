// The demo's one-click samples, valid and invalid, for every target. Everything is made here in
// the page (a voice-like WAV, a silent but real MP3, zips), so the demo needs no binary files;
// `npm run demo` also serves a WAV spoken by espeak-ng (samples/spoken.wav, named in
// demo-config.json), which the "spoken WAV" sample prefers when it is there.

const enc = new TextEncoder();
const json = (v) => JSON.stringify(v, null, 2);

export const META = {
  operator_name: "Alice", operator_id: "op-1", client_name: "Bob", client_id: "cl-7",
  bot_name: "Helper", bot_id: "bot-3", date: "2025-04-24T14:34:19+03:00",
  direction_outgoing: "false", language: "ru-RU",
};
export const AUDIO_META = { operator_name: "Alice", operator_id: "op-1", date: "2025-04-24T14:34:19Z", language: "ru-RU" };
export const CHAT = {
  messages: [
    { user_id: "cl-7", text: "Hello, my order has not arrived.", timestamp: "2025-04-24T14:34:19.000+03:00" },
    { user_id: "op-1", text: "Sorry to hear that! Let me check.", timestamp: "2025-04-24T14:34:45.000+03:00" },
    { user_id: "bot-3", text: "Order 1234 ships tomorrow.", timestamp: "2025-04-24T14:35:02.000+03:00" },
  ],
};
// Line 3 holds the impossible date and the unknown user; line 4 a trailing comma (broken JSON).
export const BAD_CHAT = '{\n  "messages": [\n    {"user_id": "nobody", "text": "hi", "timestamp": "2025-02-30T10:00:00Z"}\n  ]\n}';
export const BROKEN_JSON = '{\n  "messages": [\n    {"user_id": "cl-7", "text": "hi", "timestamp": "2025-04-24T10:00:00Z"},\n  ]\n}';
export const VELA_CHAT = {
  org_id: "demo-org",
  chat_data: {
    session_id: "s-1001", agent_id: "op-1", customer_id: "cl-7",
    start_time: "2025-04-24T14:34:19+03:00", end_time: "2025-04-24T14:35:02+03:00",
    messages: [
      { timestamp: "2025-04-24T14:34:19+03:00", sender: "customer", content: "Hello, my order has not arrived." },
      { timestamp: "2025-04-24T14:34:45+03:00", sender: "agent", content: "Sorry to hear that! Let me check." },
      { timestamp: "2025-04-24T14:35:02+03:00", sender: "bot", content: "Order 1234 ships tomorrow." },
    ],
  },
};
const BAD_VELA_CHAT = json({ ...VELA_CHAT, chat_data: { ...VELA_CHAT.chat_data, start_time: "2025-04-24T15:00:00+03:00", messages: [{ timestamp: "yesterday", sender: "agent", content: "x" }] } });

export function conversation(i, content) {
  return {
    type: "application/vnd.labelbox.conversational", version: 1,
    messages: [
      { messageId: `m-${i}-1`, timestampUsec: 1714979289000000, content: `Hello, I need help with order ${1000 + i}.`, user: { userId: "customer", name: "Customer" }, align: "left", canLabel: true },
      { messageId: `m-${i}-2`, timestampUsec: 1714979301000000, content, user: { userId: "agent", name: "Agent" }, align: "right", canLabel: true },
    ],
  };
}

// ---- audio ----

function riff(fmt, data) {
  const h = new DataView(new ArrayBuffer(44));
  const tag = (o, s) => { for (let i = 0; i < 4; i++) h.setUint8(o + i, s.charCodeAt(i)); };
  tag(0, "RIFF"); h.setUint32(4, 36 + data.byteLength, true); tag(8, "WAVE");
  tag(12, "fmt "); h.setUint32(16, 16, true); h.setUint16(20, fmt.format, true); h.setUint16(22, 1, true);
  h.setUint32(24, fmt.rate, true); h.setUint32(28, fmt.rate * fmt.bytes, true);
  h.setUint16(32, fmt.bytes, true); h.setUint16(34, fmt.bytes * 8, true);
  tag(36, "data"); h.setUint32(40, data.byteLength, true);
  return [h, data];
}

/** A voice-like 16-bit LPCM WAV: a glottal-ish buzz through two moving formants, with pauses. */
export function voiceWav(seconds = 3, rate = 16000, name = "voice.wav") {
  const n = Math.round(seconds * rate);
  const pcm = new Int16Array(n);
  let seed = 7, phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const syllable = Math.max(0, Math.sin(Math.PI * 4 * t)) ** 0.5; // ~4 syllables a second
    phase += (120 + 25 * Math.sin(2 * Math.PI * 0.7 * t)) / rate;
    const buzz = (phase % 1) * 2 - 1;
    const f1 = 500 + 300 * Math.sin(2 * Math.PI * 1.3 * t), f2 = 1500 + 600 * Math.sin(2 * Math.PI * 0.9 * t);
    seed = (seed * 1103515245 + 12345) >>> 0;
    const v = syllable * (0.5 * buzz * Math.sin(2 * Math.PI * f1 * t) + 0.25 * Math.sin(2 * Math.PI * f2 * t)) + 0.01 * (seed / 2 ** 32 - 0.5);
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v * 20000)));
  }
  return new File(riff({ format: 1, rate, bytes: 2 }, pcm), name, { type: "audio/wav" });
}

/** A 32-bit float WAV: SpeechSense refuses it (wav_not_pcm16), with a message that says what to do. */
export function floatWav() {
  const data = new Float32Array(8000).map((_, i) => 0.3 * Math.sin(i / 5));
  return new File(riff({ format: 3, rate: 8000, bytes: 4 }, data), "float32.wav", { type: "audio/wav" });
}

/** A FLAC header: recognised by name and refused (SpeechSense takes WAV, MP3, Ogg Opus). */
export function flac() {
  const b = new Uint8Array(64);
  b.set([0x66, 0x4c, 0x61, 0x43, 0x80, 0, 0, 34]);
  return new File([b], "call.flac", { type: "audio/flac" });
}

/** A real MPEG-1 Layer III file of silent frames (128 kbit/s, 44.1 kHz): about 3 seconds. */
export function mp3() {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return new File(Array.from({ length: 115 }, () => frame), "silence.mp3", { type: "audio/mpeg" });
}

/** The spoken WAV `npm run demo` made with espeak-ng, else the voice-like one made here. */
export async function spokenWav(config) {
  const url = config && config.samples && config.samples.spokenWav;
  if (url) {
    const r = await fetch(url);
    if (r.ok) return new File([await r.blob()], "spoken.wav", { type: "audio/wav" });
  }
  return voiceWav(3, 16000, "spoken.wav");
}

// ---- zips ----

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** A minimal zip writer (stored entries, CRC-32): enough for samples. */
export function zip(files, name = "calls-batch.zip") {
  const parts = [], central = [];
  let offset = 0;
  for (const [entry, text] of files) {
    const n = enc.encode(entry), data = enc.encode(text);
    const head = new DataView(new ArrayBuffer(30));
    head.setUint32(0, 0x04034b50, true); head.setUint16(4, 20, true); head.setUint16(6, 0x0800, true);
    head.setUint32(14, crc32(data), true); head.setUint32(18, data.length, true); head.setUint32(22, data.length, true);
    head.setUint16(26, n.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true); cd.setUint16(4, 20, true); cd.setUint16(6, 20, true); cd.setUint16(8, 0x0800, true);
    cd.setUint32(16, crc32(data), true); cd.setUint32(20, data.length, true); cd.setUint32(24, data.length, true);
    cd.setUint16(28, n.length, true); cd.setUint32(42, offset, true);
    parts.push(head, n, data);
    central.push(cd, n);
    offset += 30 + n.length + data.length;
  }
  const size = central.reduce((s, p) => s + p.byteLength, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true); end.setUint16(8, files.length, true); end.setUint16(10, files.length, true);
  end.setUint32(12, size, true); end.setUint32(16, offset, true);
  return new File([...parts, ...central, end], name, { type: "application/zip" });
}

const CSV = "call_id,agent_email,date_of_call,duration_sec\n1001,alice@example.com,2025-04-24,312\n1002,bob@example.com,2025-04-24,95\n";
const BROKEN_CSV = "call_id,agent_email,date_of_call\n1001,alice@example.com,2025-04-24\n1002,bob@example.com\n";
const CALLS_JSON = json([{ call_id: "1003", agent_email: "carol@example.com", date_of_call: "2025-04-25" }]);

const file = (text, name) => new File([text], name, { type: "application/json" });
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Per target: samples, each `{ id, label, valid, apply(widget, config) }`. `apply` puts the sample
 * into the widget the way a user would (a file, or pasted JSON, plus its metadata).
 */
export const SAMPLES = {
  "speechsense-audio": [
    { id: "spoken", label: "Spoken WAV (16 kHz)", valid: true, apply: async (w, c) => { w.metadata = AUDIO_META; await w.setFile(await spokenWav(c)); } },
    { id: "mp3", label: "MP3", valid: true, apply: (w) => { w.metadata = AUDIO_META; return w.setFile(mp3()); } },
    { id: "float", label: "Float WAV (refused)", valid: false, apply: (w) => { w.metadata = AUDIO_META; return w.setFile(floatWav()); } },
    { id: "flac", label: "FLAC (refused)", valid: false, apply: (w) => { w.metadata = AUDIO_META; return w.setFile(flac()); } },
    { id: "bad-meta", label: "WAV, bad metadata", valid: false, apply: (w) => { w.metadata = { ...AUDIO_META, date: "2025-13-01" }; return w.setFile(voiceWav(1)); } },
  ],
  "speechsense-chat": [
    { id: "valid", label: "Valid chat", valid: true, apply: (w) => { w.metadata = META; w.value = json(CHAT); return w.check(); } },
    { id: "invalid", label: "Invalid chat (date, user)", valid: false, apply: (w) => { w.metadata = META; w.value = BAD_CHAT; return w.check(); } },
    { id: "broken", label: "Broken JSON", valid: false, apply: (w) => { w.metadata = META; w.value = BROKEN_JSON; return w.check(); } },
  ],
  "vela-call": [
    { id: "spoken", label: "Spoken WAV", valid: true, apply: async (w, c) => { w.metadata = { org_id: "demo-org", email: "agent@example.com", date_of_call: today() }; await w.setFile(await spokenWav(c)); } },
    { id: "wav8k", label: "WAV, 8 kHz", valid: true, apply: (w) => { w.metadata = { org_id: "demo-org", email: "agent@example.com", date_of_call: today() }; return w.setFile(voiceWav(2, 8000, "call-8k.wav")); } },
    { id: "mp3", label: "MP3", valid: true, apply: (w) => { w.metadata = { org_id: "demo-org", email: "agent@example.com", date_of_call: today() }; return w.setFile(mp3()); } },
    { id: "bad-meta", label: "Bad e-mail and date", valid: false, apply: (w) => { w.metadata = { org_id: "demo-org", email: "agent@", date_of_call: "2025-02-30" }; return w.setFile(voiceWav(1, 8000)); } },
  ],
  "vela-chat": [
    { id: "valid", label: "Valid Vela chat", valid: true, apply: (w) => { w.value = json(VELA_CHAT); return w.check(); } },
    { id: "invalid", label: "Invalid (times)", valid: false, apply: (w) => { w.value = BAD_VELA_CHAT; return w.check(); } },
  ],
  labelbox: [
    { id: "valid", label: "Valid conversation", valid: true, apply: (w) => { w.value = json(conversation(1, "Sure, it ships tomorrow.")); return w.check(); } },
    { id: "warn", label: "Shown literally (warnings)", valid: true, apply: (w) => { w.value = json(conversation(2, "Tom &amp; Jerry can help :smile:")); return w.check(); } },
    { id: "invalid", label: "Invalid (version 2)", valid: false, apply: (w) => { w.value = json({ ...conversation(3, "broken"), version: 2 }); return w.check(); } },
  ],
  "vela-batch": [
    { id: "valid", label: "Good batch zip", valid: true, apply: (w) => w.setFile(zip([["calls/april.csv", CSV], ["calls/april.json", CALLS_JSON], ["README.txt", "Call data for April."]])) },
    { id: "invalid", label: "Broken batch zip", valid: false, apply: (w) => w.setFile(zip([["calls/april.csv", BROKEN_CSV], ["../escape.csv", CSV], ["calls/april.csv", CSV]], "broken-batch.zip")) },
  ],
};

/** Samples of the check & convert tab: a source text per format. */
export const CONVERT_SAMPLES = {
  speechsense: { text: json(CHAT), metadata: json(META) },
  vela: { text: json(VELA_CHAT) },
  labelbox: { text: json(conversation(1, "Sure, it ships tomorrow.")) },
  broken: { text: BROKEN_JSON, metadata: json(META) },
};

export { file as jsonFile };
