// Synthesizes a real 16-bit LPCM WAV: a voiced-sounding tone with vibrato and a little noise, so
// the bytes are not trivially compressible and a corrupted upload would change its sha256.
export function synthWav({ seconds = 2, sampleRate = 16000, channels = 1 } = {}) {
  const frames = Math.round(seconds * sampleRate);
  const dataBytes = frames * channels * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write("RIFF", 0); buf.writeUInt32LE(36 + dataBytes, 4); buf.write("WAVE", 8);
  buf.write("fmt ", 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24); buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32); buf.writeUInt16LE(16, 34);
  buf.write("data", 36); buf.writeUInt32LE(dataBytes, 40);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5);
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    const f = 140 + 30 * Math.sin(2 * Math.PI * 3 * t);
    const v = 0.4 * Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(4 * Math.PI * f * t) + 0.05 * noise();
    for (let c = 0; c < channels; c++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), 44 + (i * channels + c) * 2);
  }
  return buf;
}
