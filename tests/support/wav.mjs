// The one WAV builder of the JS tests and benches: 16-bit LPCM (RIFF/WAVE, a 44-byte header).
//
// `wavHeader` and `writeOpfsWav` use nothing outside their own bodies, so a bench can also
// inject them into a page as source (`(${wavHeader})`), where they build disk-backed Files.

/** The 44-byte header of a 16-bit LPCM WAV whose sample data is `dataBytes` long. */
export function wavHeader(dataBytes, { sampleRate = 16000, channels = 1 } = {}) {
  const h = new DataView(new ArrayBuffer(44));
  const tag = (o, s) => { for (let i = 0; i < 4; i++) h.setUint8(o + i, s.charCodeAt(i)); };
  tag(0, "RIFF"); h.setUint32(4, 36 + dataBytes, true); tag(8, "WAVE");
  tag(12, "fmt "); h.setUint32(16, 16, true); h.setUint16(20, 1, true); h.setUint16(22, channels, true);
  h.setUint32(24, sampleRate, true); h.setUint32(28, sampleRate * channels * 2, true);
  h.setUint16(32, channels * 2, true); h.setUint16(34, 16, true);
  tag(36, "data"); h.setUint32(40, dataBytes, true);
  return new Uint8Array(h.buffer);
}

/**
 * Synthesizes a real WAV in Node: a voiced-sounding tone with vibrato and a little noise, so the
 * bytes are not trivially compressible and a corrupted upload would change its sha256.
 */
export function synthWav({ seconds = 2, sampleRate = 16000, channels = 1 } = {}) {
  const frames = Math.round(seconds * sampleRate);
  const dataBytes = frames * channels * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.set(wavHeader(dataBytes, { sampleRate, channels }), 0);
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

/**
 * In a page: writes a WAV of `size` bytes in total (`header`, from wavHeader(size - 44), then
 * random samples) to the origin's private file system and returns the disk-backed File, as an
 * `<input type=file>` would give. Random, so nothing on the way can compress it; every 1 MiB
 * block differs in its first byte. Remove it with `root.removeEntry(name)`.
 */
export async function writeOpfsWav(name, size, header) {
  const root = await navigator.storage.getDirectory();
  const handle = await root.getFileHandle(name, { create: true });
  const w = await handle.createWritable();
  await w.write(new Uint8Array(header));
  const block = new Uint8Array(1024 * 1024);
  for (let o = 0; o < block.length; o += 65536) crypto.getRandomValues(block.subarray(o, o + 65536));
  for (let left = size - header.length; left > 0;) {
    const n = Math.min(left, block.length);
    block[0] = left & 0xff;
    await w.write(n === block.length ? block : block.subarray(0, n));
    left -= n;
  }
  await w.close();
  return handle.getFile();
}
