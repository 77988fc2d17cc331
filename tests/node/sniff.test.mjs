// sniffAudio(file, { method }): the rules uploadAudio applies before its first byte, at the time
// a file is chosen, with the same codes; in both entries (the main module and talk-uploader/validate).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { wavHeader } from "../support/wav.mjs";

const pkg = new URL("../../pkg/", import.meta.url);
const entries = [
  ["talk-uploader", "index.js", "talk_uploader_bg.wasm"],
  ["talk-uploader/validate", "validate/index.js", "validate/talk_uploader_validate_bg.wasm"],
];

/** A WAV of `seconds` of silence; `float` makes it 32-bit IEEE float (format 3), which SpeechSense refuses. */
function wav({ seconds = 1, sampleRate = 16000, float = false } = {}) {
  const bytesPerSample = float ? 4 : 2;
  const data = seconds * sampleRate * bytesPerSample;
  const h = wavHeader(data, { sampleRate });
  if (float) {
    const v = new DataView(h.buffer);
    v.setUint16(20, 3, true);
    v.setUint32(28, sampleRate * 4, true);
    v.setUint16(32, 4, true);
    v.setUint16(34, 32, true);
  }
  return new Blob([h, new Uint8Array(data)]);
}

const code = (p) => p.then(() => "resolved", (e) => e.code);

for (const [name, js, wasm] of entries) {
  test(`${name}: sniffAudio applies SpeechSense's rules only when given a method`, async () => {
    const mod = await import(new URL(js, pkg));
    mod.initSync({ module: readFileSync(new URL(wasm, pkg)) });

    const float = wav({ float: true });
    const info = await mod.sniffAudio(float);
    assert.equal(info.container, "wav");
    assert.notEqual(info.codec, "pcm_s16le");
    assert.equal(await code(mod.sniffAudio(float, { method: "auto" })), "wav_not_pcm16");
    assert.equal(await code(mod.sniffAudio(float, { method: "uploadBadge" })), "wav_not_pcm16");
    const err = await mod.sniffAudio(float, { method: "upload" }).catch((e) => e);
    assert.match(err.message, /16-bit signed LPCM/);

    assert.equal(await code(mod.sniffAudio(wav({ sampleRate: 96000 }), { method: "auto" })), "wav_sample_rate");
    const good = await mod.sniffAudio(wav(), { method: "auto" });
    assert.equal(good.codec, "pcm_s16le");
    assert.equal(good.sampleRate, 16000);

    assert.equal(await code(mod.sniffAudio(wav(), { method: "fast" })), "invalid_options");
    assert.equal(await code(mod.sniffAudio(wav(), { methods: "auto" })), "invalid_options");
  });

  // The entry drives the module's synchronous step (js/blob-input.js): an MP3 whose ID3v2 tag
  // (cover art) runs past the first 64 KiB takes three reads, each with the native slice and
  // arrayBuffer, never the blob's own; the caller's option getters run once.
  test(`${name}: sniffAudio reads past a large ID3 tag with the native Blob methods, options read once`, async () => {
    const mod = await import(new URL(js, pkg));
    mod.initSync({ module: readFileSync(new URL(wasm, pkg)) });
    const file = mp3WithCoverArt(100_000, 400);
    file.slice = () => { throw new Error("own slice"); };
    file.arrayBuffer = () => { throw new Error("own arrayBuffer"); };
    let reads = 0;
    const options = { get method() { reads += 1; return "auto"; } };
    const info = await mod.sniffAudio(file, options);
    assert.equal(info.container, "mp3");
    assert.equal(info.sampleRate, 44100);
    assert.ok(Math.abs(info.durationSec - (400 * 1152) / 44100) < 0.1, String(info.durationSec));
    assert.equal(reads, 1);

    const notBlob = await mod.sniffAudio({ size: 10 }).catch((e) => e);
    assert.equal(notBlob.code, "invalid_options");
    assert.match(notBlob.message, /file must be a File or a Blob/);
    assert.equal(await code(mod.sniffAudio(new Blob([new Uint8Array(100)]))), "unknown_container");
    assert.ok(mod.isUploadError(notBlob));
  });
}

/** An MP3: an ID3v2.3 tag of `tagBytes` (a picture frame of zeros), then `frames` MPEG-1 Layer III frames, 128 kb/s, 44.1 kHz. */
function mp3WithCoverArt(tagBytes, frames) {
  const tag = new Uint8Array(10 + tagBytes);
  tag.set([0x49, 0x44, 0x33, 3, 0, 0]);
  for (let i = 0; i < 4; i++) tag[6 + i] = (tagBytes >> (7 * (3 - i))) & 0x7f;
  const apic = new TextEncoder().encode("APIC");
  tag.set(apic, 10);
  new DataView(tag.buffer).setUint32(14, tagBytes - 10);
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x00]);
  return new Blob([tag, ...Array.from({ length: frames }, () => frame)]);
}
