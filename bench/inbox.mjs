// `npm run bench:inbox`: the agent inbox's weight and live delivery.
// - first-load JavaScript and CSS of the inbox, gzipped (what index.html loads; the build also
//   fails above its budget);
// - time from a customer's `send` (a scripted shopper's WebSocket) to the message in an open
//   ticket view's DOM in Debian's headless Chromium, one message at a time, over MESSAGES sends.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, devVars, percentile, startBenchParley } from "./local-parley.mjs";

const MESSAGES = Number(process.env.BENCH_INBOX_MESSAGES ?? 50);
const WARMUP = 5;
const { base, stop, json } = await startBenchParley({ label: "inbox", vars: { SEND_RATE_PER_10S: "100000" } });

/** Wall-clock milliseconds with sub-millisecond precision; Chromium's page computes the same. */
const now = () => performance.timeOrigin + performance.now();
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The gzipped size of every script and stylesheet index.html loads on a first visit. */
function firstLoad() {
  const html = readFileSync("dist/index.html", "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]);
  return files.map((file) => ({ file, gzipped: gzipSync(readFileSync(join("dist", file)), { level: 9 }).byteLength }));
}

try {
  const vars = devVars();

  // A shopper with an open chat: the first message makes the ticket visible to agents.
  const id = `bench-inbox-${Date.now()}`;
  const userHash = createHmac("sha256", vars.IDENTITY_SECRET).update(id).digest("hex");
  const { token } = await json("/api/widget/session", { method: "POST", body: JSON.stringify({ customer: { id, name: "Bench Shopper" }, userHash }) });
  const { ticket } = await json("/api/widget/conversations", { method: "POST", headers: { Authorization: `Bearer ${token}` } });
  const customer = new WebSocket(`${base.replace(/^http/, "ws")}/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(token)}&after=0`);
  const acks = new Set();
  customer.addEventListener("message", (event) => {
    const frame = JSON.parse(String(event.data));
    if (frame.type === "ack") acks.add(frame.clientId);
  });
  await new Promise((resolve, reject) => {
    customer.addEventListener("open", resolve);
    customer.addEventListener("error", () => reject(new Error("customer socket failed")));
  });
  customer.send(JSON.stringify({ type: "send", clientId: "first", body: "Hello! A question about my order." }));
  for (let i = 0; !acks.has("first"); i++) {
    if (i > 500) throw new Error("the first message was not acked");
    await new Promise((r) => setTimeout(r, 10));
  }

  const browser = await chromium.launch(CHROMIUM);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // Notes when each message element first appears in the thread, by its text.
  await page.addInitScript(() => {
    window.__seenAt = {};
    new MutationObserver(() => {
      for (const body of document.querySelectorAll('[data-testid="message"] [data-testid="message-body"]')) {
        const text = body.textContent ?? "";
        if (!(text in window.__seenAt)) window.__seenAt[text] = performance.timeOrigin + performance.now();
      }
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.goto(`${base}/tickets/${ticket.id}`);
  await page.getByTestId("signin-email").fill(vars.ADMIN_EMAIL);
  await page.getByTestId("signin-password").fill(vars.ADMIN_PASSWORD);
  await page.getByTestId("signin-submit").click();
  await page.locator('[data-testid="message"][data-seq="1"]').waitFor({ timeout: 15_000 });
  // The ticket socket is live once the view has marked the first message read.
  await page.waitForFunction(() => !document.querySelector('[data-testid="reconnecting"]'), null, { timeout: 15_000 });

  const samples = [];
  for (let i = 0; i < WARMUP + MESSAGES; i++) {
    const body = `Bench message ${i}: is size M back in stock? (${Math.random().toString(36).slice(2)})`;
    const sentAt = now();
    customer.send(JSON.stringify({ type: "send", clientId: `bench-${i}`, body }));
    const seenAt = await page.waitForFunction((text) => window.__seenAt[text], body, { timeout: 10_000, polling: "raf" }).then((handle) => handle.jsonValue());
    if (i >= WARMUP) samples.push(seenAt - sentAt);
    await new Promise((r) => setTimeout(r, 50));
  }
  await browser.close();
  customer.close();

  const files = firstLoad();
  console.log(`inbox first load (index.html's scripts and stylesheets), gzipped: ${kib(files.reduce((sum, f) => sum + f.gzipped, 0))} (target < 150 KB)`);
  for (const { file, gzipped } of files) console.log(`  ${file}: ${kib(gzipped)}`);
  console.log(
    `customer send → visible in the open ticket view, ${MESSAGES} messages one at a time (after ${WARMUP} warm-up), headless Chromium:` +
      ` p50 ${percentile(samples, 50).toFixed(1)} ms, p90 ${percentile(samples, 90).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`,
  );
  console.log(
    "  visible = the DOM mutation that puts the text in the thread, before Chromium paints it; left out: the paint, the inbox list's row," +
      " other load (one message at a time, 50 ms apart, one agent), the inbox's sign-in and first load, any network (loopback, no TLS)",
  );
} finally {
  await stop();
}
