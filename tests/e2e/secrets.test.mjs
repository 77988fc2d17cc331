// End to end: no secret leaves where it belongs (issue 8).
//
// A test page imports the built package (pkg/, served by the devserver) and runs every upload
// path with recognisable secrets: the devserver's real API key and IAM token, wrong keys, a
// talk-gateway ticket, a presigned policy and signature, and secrets in URL queries. Successful
// and failing paths both: bad endpoint, refused auth, aborted, invalid header values, tampered
// presigns. Everything observable is collected: every error's message, code, stack, cause (its
// message, stack and JSON), issues, every console line and page error, and every request the page
// made (URL, headers, body, from Playwright's request log). The assertion: each secret appears
// only in the `authorization` header or the body (form fields, JSON) of requests to the host it
// was configured for, and a URL-query secret only in URLs to its own host. Uploads are a few KB:
// Playwright copies every request body.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { launchChromium } from "../support/browser.mjs";
import { synthWav } from "../support/wav.mjs";

const base = process.env.TALK_UPLOADER_DEVSERVER_URL;
const s3 = process.env.TALK_UPLOADER_S3_URL;
const apiKey = process.env.TALK_UPLOADER_TEST_API_KEY;
const iamToken = process.env.TALK_UPLOADER_TEST_IAM_TOKEN;
let browser, page;
const seen = { console: [], pageErrors: [], requests: [] };

before(async () => {
  assert.ok(base && s3 && apiKey && iamToken, "run through npm test: TALK_UPLOADER_DEVSERVER_URL / _S3_URL / _TEST_API_KEY / _TEST_IAM_TOKEN missing");
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("console", (m) => {
    seen.console.push(m.text());
    if (process.env.SECRETS_TEST_VERBOSE) console.log("console:", m.text().slice(0, 300));
  });
  page.on("pageerror", (e) => seen.pageErrors.push(`${e.message}\n${e.stack}`));
  page.on("request", (r) => seen.requests.push(r));
  if (process.env.SECRETS_TEST_VERBOSE) page.on("requestfailed", (r) => console.log("request failed:", r.method(), r.url().slice(0, 80), r.failure()?.errorText));
  // The test runs in a document of the devserver's origin (so /pkg/ is same-origin, and the
  // page is in the loopback address space like the servers: Chromium's local-network-access
  // check refuses a page from anywhere else). Any plain devserver document will do; the package
  // is loaded by a dynamic import, so the document needs no script of its own.
  await page.goto(`${base}/api/talks`);
  await page.evaluate(async () => {
    const tu = await import("/pkg/talk_uploader.js");
    await tu.default();
    window.tu = tu;
  });
});

after(async () => {
  await browser?.close();
});

/** A loopback port nothing listens on (a refused connection; Chromium blocks "unsafe" ports
 * such as 9 before trying, which would test less). */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fresh presign from the devserver's Vela endpoint (its policy and signature are secrets). */
async function presign() {
  const r = await fetch(`${base}/asr/async/upload/vela`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ org_id: "secrets-org", metadata: { email: "a@example.com", date_of_call: "2024-05-06" } }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

test("every path keeps every secret where it belongs", async () => {
  const p = await presign();
  const fields = Object.fromEntries(Array.isArray(p.fields) ? p.fields : Object.entries(p.fields));
  const policy = fields.policy ?? fields.Policy;
  const signature = fields["x-amz-signature"] ?? fields["X-Amz-Signature"] ?? fields.signature;
  const credential = fields["x-amz-credential"] ?? fields["X-Amz-Credential"];
  assert.ok(policy && signature, `presign has no policy/signature: ${Object.keys(fields)}`);

  const host = (u) => new URL(u).host;
  const apiHost = host(base);
  const s3Host = host(p.url);
  // The refused endpoint, apiBase and presign.url of the failing paths: configured, so the
  // credential may go there; nothing listens.
  const refused = `http://127.0.0.1:${await closedPort()}`;
  const refusedHost = host(refused);
  // secret -> where it may go: the hosts whose authorization header / body may carry it, and
  // whether it may appear in URLs (query secrets, to those hosts only).
  const secrets = {
    [apiKey]: { hosts: [apiHost, refusedHost], inUrl: false, what: "API key" },
    [iamToken]: { hosts: [apiHost], inUrl: false, what: "IAM token" },
    "SECRET-WRONG-KEY-7f3a91": { hosts: [apiHost], inUrl: false, what: "wrong API key" },
    "SECRET-TICKET-51c0de": { hosts: [apiHost], inUrl: false, what: "ticket" },
    "SECRET-VELA-TOKEN-9b2e": { hosts: [apiHost], inUrl: false, what: "wrong Vela token" },
    [policy]: { hosts: [s3Host], inUrl: false, what: "presigned policy" },
    [signature]: { hosts: [s3Host], inUrl: false, what: "presigned signature" },
    "SECRETQUERY-endpoint-4d7": { hosts: [apiHost, refusedHost], inUrl: true, what: "endpoint query secret" },
    "SECRETQUERY-apibase-8e1": { hosts: [apiHost, refusedHost], inUrl: true, what: "apiBase query secret" },
    "SECRETQUERY-s3url-2a9": { hosts: [s3Host, refusedHost], inUrl: true, what: "presign.url query secret" },
    // Never sent anywhere: in header values that must be refused before any request.
    "SECRET-BADHEADER-k3y": { hosts: [], inUrl: false, what: "key with a newline" },
    "SECRET-BADHEADER-tok": { hosts: [], inUrl: false, what: "token with a non-Latin-1 letter" },
  };
  if (credential) secrets[credential] = { hosts: [s3Host], inUrl: false, what: "presigned credential" };

  const wav = synthWav({ seconds: 0.25, sampleRate: 8000 });
  const results = await page.evaluate(async (a) => {
    const { tu } = window;
    const wav = new Blob([new Uint8Array(a.wav)], { type: "audio/wav" });
    const meta = JSON.stringify({
      operator_name: "Alice", operator_id: "op-1", client_name: "Bob", client_id: "cl-7",
      date: "2024-05-06T07:08:09Z", direction_outgoing: "false", language: "ru-RU",
    });
    const chatMeta = JSON.stringify({ ...JSON.parse(meta), bot_name: "Helper", bot_id: "bot-3" });
    const chat = JSON.stringify({ messages: [{ user_id: "op-1", text: "Hello", timestamp: "2024-05-06T07:08:09Z" }] });
    const velaChat = JSON.stringify({
      session_id: "s-1", agent_id: "a-1", customer_id: "c-1", start_time: "2024-05-06T07:00:00Z",
      end_time: "2024-05-06T07:10:00Z", messages: [{ timestamp: "2024-05-06T07:01:00Z", sender: "agent", content: "Hi" }],
    });
    const dump = (e) => {
      const out = { code: e?.code, message: String(e?.message), stack: String(e?.stack), own: "" };
      try { out.own = JSON.stringify(e, Object.getOwnPropertyNames(e ?? {})); } catch { /* a cycle */ }
      if (e && e.cause !== undefined) {
        const c = e.cause;
        out.cause = String(c);
        out.causeMessage = String(c?.message);
        out.causeStack = String(c?.stack);
        try { out.causeJson = JSON.stringify(c, Object.getOwnPropertyNames(c ?? {})); } catch { /* a cycle */ }
      }
      if (e?.issues) out.issues = JSON.stringify(e.issues);
      return out;
    };
    const run = async (name, f) => {
      try {
        const value = await f();
        return { name, ok: true, value: JSON.stringify(value) };
      } catch (e) {
        return { name, ok: false, error: dump(e) };
      }
    };
    const ss = (extra) => ({ endpoint: a.base, connectionId: "test-audio-1", retry: false, ...extra });
    const vela = (extra) => ({ apiBase: a.base, orgId: "secrets-org", email: "a@example.com", dateOfCall: "2024-05-06", retry: false, ...extra });
    const aborted = () => { const c = new AbortController(); c.abort(); return c.signal; };
    const abortSoon = () => { const c = new AbortController(); setTimeout(() => c.abort(), 1); return c.signal; };
    const tampered = { url: a.presign.url, fields: { ...a.fields, "x-amz-signature": "0".repeat(64) } };
    const out = [];
    // SpeechSense, successful.
    out.push(await run("uploadAudio apiKey", () => tu.uploadAudio(wav, meta, ss({ apiKey: a.apiKey }))));
    out.push(await run("uploadAudio iamToken", () => tu.uploadAudio(wav, meta, ss({ iamToken: a.iamToken }))));
    out.push(await run("uploadText apiKey", () => tu.uploadText(chat, chatMeta, { ...ss({ apiKey: a.apiKey }), connectionId: "test-chat" })));
    out.push(await run("uploadAudio apiKey as a function", () => tu.uploadAudio(wav, meta, ss({ apiKey: () => a.apiKey }))));
    // SpeechSense, failing.
    out.push(await run("uploadAudio wrong key", () => tu.uploadAudio(wav, meta, ss({ apiKey: "SECRET-WRONG-KEY-7f3a91" }))));
    out.push(await run("uploadText wrong key", () => tu.uploadText(chat, chatMeta, { ...ss({ apiKey: "SECRET-WRONG-KEY-7f3a91" }), connectionId: "test-chat" })));
    out.push(await run("uploadAudio ticket", () => tu.uploadAudio(wav, meta, ss({ ticket: "SECRET-TICKET-51c0de" }))));
    out.push(await run("uploadAudio refused endpoint", () => tu.uploadAudio(wav, meta, ss({ endpoint: `${a.refused}/?q=SECRETQUERY-endpoint-4d7`, apiKey: a.apiKey }))));
    out.push(await run("uploadText refused endpoint", () => tu.uploadText(chat, chatMeta, { ...ss({ endpoint: `${a.refused}/?q=SECRETQUERY-endpoint-4d7`, apiKey: a.apiKey }), connectionId: "test-chat" })));
    out.push(await run("uploadAudio endpoint with query", () => tu.uploadAudio(wav, meta, ss({ endpoint: `${a.base}/?q=SECRETQUERY-endpoint-4d7`, apiKey: a.apiKey }))));
    out.push(await run("uploadAudio endpoint with user info", () => tu.uploadAudio(wav, meta, ss({ endpoint: a.base.replace("://", "://user:SECRETQUERY-endpoint-4d7@"), apiKey: a.apiKey }))));
    out.push(await run("uploadAudio insecure endpoint", () => tu.uploadAudio(wav, meta, ss({ endpoint: "http://example.invalid/x?q=SECRETQUERY-endpoint-4d7", apiKey: a.apiKey }))));
    out.push(await run("uploadAudio key with newline", () => tu.uploadAudio(wav, meta, ss({ apiKey: "SECRET-BADHEADER-k3y\nx" }))));
    out.push(await run("uploadAudio iamToken non-Latin-1", () => tu.uploadAudio(wav, meta, ss({ iamToken: "SECRET-BADHEADER-tok-ключ" }))));
    out.push(await run("uploadText key with newline", () => tu.uploadText(chat, chatMeta, { ...ss({ apiKey: "SECRET-BADHEADER-k3y\nx" }), connectionId: "test-chat" })));
    out.push(await run("uploadAudio aborted", () => tu.uploadAudio(wav, meta, ss({ apiKey: a.apiKey, signal: aborted() }))));
    out.push(await run("uploadAudio aborted soon", () => tu.uploadAudio(wav, meta, ss({ apiKey: a.apiKey, signal: abortSoon() }))));
    out.push(await run("uploadAudio invalid metadata", () => tu.uploadAudio(wav, "{", ss({ apiKey: a.apiKey }))));
    // Vela, successful and failing.
    out.push(await run("uploadVelaCall token", () => tu.uploadVelaCall(wav, vela({ token: a.apiKey }))));
    out.push(await run("uploadVelaCall wrong token", () => tu.uploadVelaCall(wav, vela({ token: "SECRET-VELA-TOKEN-9b2e" }))));
    out.push(await run("uploadVelaCall ticket", () => tu.uploadVelaCall(wav, vela({ ticket: "SECRET-TICKET-51c0de" }))));
    out.push(await run("uploadVelaCall apiBase with query", () => tu.uploadVelaCall(wav, vela({ apiBase: `${a.base}/?k=SECRETQUERY-apibase-8e1`, token: a.apiKey }))));
    out.push(await run("uploadVelaCall refused apiBase", () => tu.uploadVelaCall(wav, vela({ apiBase: `${a.refused}/?k=SECRETQUERY-apibase-8e1`, token: a.apiKey }))));
    out.push(await run("uploadVelaCall token non-Latin-1", () => tu.uploadVelaCall(wav, vela({ token: "SECRET-BADHEADER-tok-ключ" }))));
    out.push(await run("uploadVelaCall aborted soon", () => tu.uploadVelaCall(wav, vela({ token: a.apiKey, signal: abortSoon() }))));
    out.push(await run("uploadVelaChat token", () => tu.uploadVelaChat(velaChat, { apiBase: a.base, orgId: "secrets-org", token: a.apiKey })));
    out.push(await run("uploadVelaChat wrong token", () => tu.uploadVelaChat(velaChat, { apiBase: a.base, orgId: "secrets-org", token: "SECRET-VELA-TOKEN-9b2e" })));
    out.push(await run("uploadVelaChat refused apiBase", () => tu.uploadVelaChat(velaChat, { retry: false, apiBase: `${a.refused}/?k=SECRETQUERY-apibase-8e1`, orgId: "secrets-org", token: a.apiKey })));
    out.push(await run("uploadVelaChat token with newline", () => tu.uploadVelaChat(velaChat, { apiBase: a.base, orgId: "secrets-org", token: "SECRET-BADHEADER-k3y\r\n" })));
    // Presigned POST, successful and failing.
    out.push(await run("presignedUpload", () => tu.presignedUpload(wav, { presign: a.presign, retry: false })));
    out.push(await run("presignedUpload function", () => tu.presignedUpload(wav, { presign: async () => a.presign, retry: false })));
    out.push(await run("presignedUpload tampered signature", () => tu.presignedUpload(wav, { presign: tampered, retry: false })));
    out.push(await run("presignedUpload url with query", () => tu.presignedUpload(wav, { presign: { ...a.presign, url: `${a.presign.url}?x=SECRETQUERY-s3url-2a9` }, retry: false })));
    out.push(await run("presignedUpload refused url", () => tu.presignedUpload(wav, { presign: { ...a.presign, url: `${a.refused}/b?x=SECRETQUERY-s3url-2a9` }, retry: false })));
    out.push(await run("presignedUpload aborted soon", () => tu.presignedUpload(wav, { presign: a.presign, retry: false, signal: abortSoon() })));
    // A batch: each item's failure is an UploadError inside the result, collected like the rest.
    const batch = (name, presign) => run(name, async () => {
      const r = await tu.uploadLabelboxConversations([{ content: chat }, { content: "{" }], { from: "speechsense", presign, retry: false, allowLoopbackHttp: true });
      r.results.forEach((x, i) => { if (!x.ok) out.push({ name: `${name}, item ${i}`, ok: false, error: dump(x.error) }); });
      return r;
    });
    out.push(await batch("uploadLabelboxConversations", async () => a.presign));
    out.push(await batch("uploadLabelboxConversations tampered", async () => tampered));
    out.push(await run("presignedUpload presign throws", () => tu.presignedUpload(wav, { presign: () => { throw new Error("backend down"); }, retry: false })));
    return out;
  }, { base, refused, apiKey, iamToken, presign: p, fields, wav: [...wav] });

  // Sanity: the successful paths succeeded (otherwise the test proves little) and the
  // failing ones failed with an UploadError code.
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  if (process.env.SECRETS_TEST_VERBOSE) for (const r of results) console.log(r.name, r.ok ? "ok" : `${r.error.code}: ${r.error.message}`);
  for (const name of ["uploadAudio apiKey", "uploadAudio iamToken", "uploadText apiKey", "uploadVelaCall token", "uploadVelaChat token", "presignedUpload"]) {
    assert.ok(byName[name].ok, `${name} failed: ${JSON.stringify(byName[name].error)}`);
  }
  for (const r of results) {
    if (!r.ok) assert.ok(typeof r.error.code === "string" && r.error.code.length > 0, `${r.name}: no code: ${JSON.stringify(r.error)}`);
  }
  for (const name of ["uploadAudio key with newline", "uploadAudio iamToken non-Latin-1", "uploadVelaCall token non-Latin-1", "uploadVelaChat token with newline"]) {
    assert.equal(byName[name].error?.code, "invalid_options", `${name}: ${JSON.stringify(byName[name])}`);
  }
  assert.equal(byName["uploadAudio aborted"].error?.code, "aborted");

  // Everything the page could show a user or a log.
  const texts = [];
  for (const r of results) {
    if (r.ok) continue; // a result is the caller's data (talkId, key, etag)
    for (const [k, v] of Object.entries(r.error)) texts.push([`${r.name}: error.${k}`, String(v)]);
  }
  for (const line of seen.console) texts.push(["console", line]);
  for (const e of seen.pageErrors) texts.push(["page error", e]);

  const found = [];
  for (const [secret, rule] of Object.entries(secrets)) {
    for (const [where, text] of texts) {
      if (text.includes(secret)) found.push(`${rule.what} in ${where}: ${text.slice(0, 300)}`);
    }
  }
  // Every request: URL, every header, body.
  let requests = 0;
  for (const r of seen.requests) {
    requests++;
    const url = r.url();
    const to = new URL(url).host;
    const headers = await r.allHeaders();
    const body = r.postDataBuffer()?.toString("latin1") ?? "";
    for (const [secret, rule] of Object.entries(secrets)) {
      const allowedHost = rule.hosts.includes(to);
      if (url.includes(secret) && !(rule.inUrl && allowedHost)) found.push(`${rule.what} in the URL of ${r.method()} ${to}`);
      for (const [name, value] of Object.entries(headers)) {
        if (!value.includes(secret)) continue;
        if (name.toLowerCase() === "authorization" && allowedHost && !rule.inUrl) continue;
        found.push(`${rule.what} in header ${name} of ${r.method()} ${to}`);
      }
      if (body.includes(secret) && !(allowedHost && !rule.inUrl)) found.push(`${rule.what} in the body of ${r.method()} ${to}`);
    }
  }
  console.log(`secrets: ${Object.keys(secrets).length} secrets, ${results.length} paths (${results.filter((r) => r.ok).length} succeeded), ${texts.length} texts, ${requests} requests checked; found ${found.length}`);
  assert.deepEqual(found, [], found.join("\n"));
});
