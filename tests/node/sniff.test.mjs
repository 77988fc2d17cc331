// sniffAudio(file, { method }): the rules uploadAudio applies before its first byte, at the time
// a file is chosen, with the same codes; in both entries (the main module and talk-uploader/validate).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { wavHeader } from "../support/wav.mjs";

const pkg = new URL("../../pkg/", import.meta.url);
const entries = [
  ["talk-uploader", "talk_uploader.js", "talk_uploader_bg.wasm"],
  ["talk-uploader/validate", "validate/talk_uploader_validate.js", "validate/talk_uploader_validate_bg.wasm"],
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
}
