// The batch flows of the demo: a Vela batch zip (inspectZip, then uploadVelaBatch) and Labelbox
// conversations hosted in the bucket (uploadLabelboxConversations). Samples are made here, so
// each flow can be tried in one click.

const CSV = "call_id,agent_email,date_of_call,duration_sec\n1001,alice@example.com,2025-04-24,312\n1002,bob@example.com,2025-04-24,95\n";
const BROKEN_CSV = "call_id,agent_email,date_of_call\n1001,alice@example.com,2025-04-24\n1002,bob@example.com\n";
const CALLS_JSON = JSON.stringify([{ call_id: "1003", agent_email: "carol@example.com", date_of_call: "2025-04-25" }], null, 2);

// A minimal zip writer (stored entries, CRC-32): enough for samples.
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
function zip(files) {
  const enc = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of files) {
    const n = enc.encode(name);
    const data = enc.encode(text);
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
  return new File([...parts, ...central, end], "calls-batch.zip", { type: "application/zip" });
}

const SAMPLE_ZIPS = {
  good: () => zip([["calls/april.csv", CSV], ["calls/april.json", CALLS_JSON], ["README.txt", "Call data for April."]]),
  bad: () => zip([["calls/april.csv", BROKEN_CSV], ["../escape.csv", CSV], ["calls/april.csv", CSV]]),
};

function conversation(i, content) {
  return {
    type: "application/vnd.labelbox.conversational", version: 1,
    messages: [
      { messageId: `m-${i}-1`, timestampUsec: 1714979289000000, content: `Hello, I need help with order ${1000 + i}.`, user: { userId: "customer", name: "Customer" }, align: "left", canLabel: true },
      { messageId: `m-${i}-2`, timestampUsec: 1714979301000000, content, user: { userId: "agent", name: "Agent" }, align: "right", canLabel: true },
    ],
  };
}
const SAMPLE_CONVERSATIONS = [
  { name: "chat-1.json", content: conversation(1, "Sure, it ships tomorrow.") },
  { name: "chat-2.json", content: conversation(2, "Tom &amp; Jerry can help :smile:") },
  { name: "chat-3.json", content: { ...conversation(3, "broken"), version: 2 } },
];

function byteLength(content) {
  return new TextEncoder().encode(typeof content === "string" ? content : JSON.stringify(content)).length;
}

/**
 * Wires the batch section. `presign(kind, filename, size)` returns a presigned POST for the
 * demo's bucket (through talk-gateway's /s3/presign, or the devserver's own routes).
 */
export function setupBatch({ tu, $, run, progress, renderIssues, presign }) {
  let batchFile = null;
  const describe = (report) => {
    const issues = {
      ok: report.ok,
      errors: report.errors.map((i) => ({ ...i, path: `${i.entry ?? "(zip)"} ${i.path || "/"}` })),
      warnings: report.warnings.map((i) => ({ ...i, path: `${i.entry ?? "(zip)"} ${i.path || "/"}` })),
    };
    renderIssues($("batch-issues"), issues);
    $("batch-entries").textContent = report.entries.map((e) => `${e.kind.padEnd(5)} ${e.method.padEnd(7)} ${String(e.size).padStart(8)} B  ${e.name}`).join("\n")
      + `\n\n${report.stats.reads} reads, ${report.stats.bytesRead.toLocaleString()} bytes read of ${report.stats.bytes.toLocaleString()}`;
  };
  const pick = async (f) => {
    batchFile = f;
    $("batch-upload").disabled = false;
    describe(await tu.inspectZip(f));
  };
  $("batch-file").onchange = (e) => e.target.files[0] && pick(e.target.files[0]);
  $("batch-sample-good").onclick = () => pick(SAMPLE_ZIPS.good());
  $("batch-sample-bad").onclick = () => pick(SAMPLE_ZIPS.bad());
  $("batch-upload").onclick = () => run((signal) => tu.uploadVelaBatch(batchFile, {
    presign: () => presign("batch", batchFile.name, batchFile.size), signal, onProgress: progress,
  }));

  $("labelbox-json").value = JSON.stringify(SAMPLE_CONVERSATIONS, null, 2);
  $("labelbox-upload").onclick = () => run(async (signal) => {
    const items = JSON.parse($("labelbox-json").value);
    const out = await tu.uploadLabelboxConversations(items, {
      // The exact size goes into the policy's content-length-range.
      presign: (item, i) => presign("labelbox", item.name || `conversation-${i}.json`, byteLength(item.content)),
      // The demo's bucket is the devserver's loopback S3; a real bucket is https.
      allowLoopbackHttp: true,
      signal,
      onProgress: ({ loaded, total, itemsDone, items: n }) => progress({ loaded, total, phase: `${itemsDone}/${n} items` }),
    });
    const failed = out.results.map((r, i) => (r.ok ? null : `items[${i}]: ${r.error.code}: ${r.error.message}`)).filter(Boolean);
    return { rows: out.rows, failed };
  });
  $("labelbox-check").onclick = () => {
    const items = JSON.parse($("labelbox-json").value);
    const merged = { ok: true, errors: [], warnings: [] };
    items.forEach((item, i) => {
      const r = tu.validate(JSON.stringify(item.content), { kind: "labelbox-conversation" });
      merged.ok &&= r.ok;
      merged.errors.push(...r.errors.map((e) => ({ ...e, path: `items[${i}] ${e.path}` })));
      merged.warnings.push(...r.warnings.map((e) => ({ ...e, path: `items[${i}] ${e.path}` })));
    });
    renderIssues($("labelbox-issues"), merged);
  };
}
