// `npm run bench:widget`: the storefront widget's weight and start-up time.
// - widget.js gzipped size (the build also fails above its budget);
// - in Debian's headless Chromium, over repeated loads of the demo store, from widget.js loaded
//   (its resource timing's responseEnd) to: the launcher on screen; the answers to the widget's
//   start-up calls (GET /api/widget/config, POST /api/widget/session); and the later of the
//   launcher and the session, when a shopper can both see the launcher and chat as themselves.
//   The report says, per call, in how many loads the launcher came first: the launcher's figure
//   includes only the calls it waited for.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, percentile, startBenchParley } from "./local-parley.mjs";

const LOADS = Number(process.env.BENCH_WIDGET_LOADS ?? 30);
const WARMUP = 3;
const { base, stop } = await startBenchParley({ label: "widget" });

/** One load of /demo in a fresh context: each figure in ms after widget.js's responseEnd (null: that call was not made). */
async function load(browser, i) {
  // Each load is another shopper, from another address, as on a real store.
  const context = await browser.newContext({ extraHTTPHeaders: { "CF-Connecting-IP": `127.40.${i >> 8}.${i & 255}` } });
  const page = await context.newPage();
  // Watches for the launcher from the first frame, inside the widget's shadow root, once per frame.
  await page.addInitScript(() => {
    const look = () => {
      const launcher = document.getElementById("parley-widget")?.shadowRoot?.querySelector('[data-parley="launcher"]');
      if (launcher && launcher.getBoundingClientRect().width > 0) window.__launcherAt = performance.now();
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  await page.goto(`${base}/demo?as=demo-100${(i % 2) + 1}`);
  await page.waitForFunction(() => window.__launcherAt !== undefined, null, { timeout: 10_000 });
  // The start-up calls may still be under way when the launcher shows: wait for both (bounded).
  const answered = (path) => performance.getEntriesByType("resource").some((entry) => new URL(entry.name).pathname === path && entry.responseEnd > 0);
  await Promise.all(["/api/widget/config", "/api/widget/session"].map((path) => page.waitForFunction(answered, path, { timeout: 10_000 }).catch(() => null)));
  const times = await page.evaluate(() => {
    const resources = performance.getEntriesByType("resource");
    const ended = (suffix) => resources.find((entry) => new URL(entry.name).pathname === suffix)?.responseEnd ?? null;
    const loaded = ended("/widget.js");
    const since = (at) => (at === null ? null : at - loaded);
    return { launcher: since(window.__launcherAt), config: since(ended("/api/widget/config")), session: since(ended("/api/widget/session")) };
  });
  await context.close();
  return times;
}

try {
  const code = readFileSync("dist/widget.js");
  const browser = await chromium.launch(CHROMIUM);
  const loads = [];
  for (let i = 0; i < LOADS + WARMUP; i++) {
    const times = await load(browser, i);
    if (i >= WARMUP) loads.push(times); // the first loads warm the server up
  }
  await browser.close();
  const made = (key) => loads.map((t) => t[key]).filter((ms) => ms !== null);
  const summary = (samples) =>
    samples.length
      ? `p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms (n=${samples.length})`
      : "never called";
  const ready = loads.filter((t) => t.session !== null).map((t) => Math.max(t.launcher, t.session));
  /** The launcher's order against a start-up call, as measured: the launcher's figure includes the call only where it came after it. */
  const order = (key) => {
    const called = loads.filter((t) => t[key] !== null);
    return `the launcher appeared before this answer in ${called.filter((t) => t.launcher < t[key]).length} of ${called.length} loads`;
  };
  console.log(
    `widget.js: ${(code.byteLength / 1024).toFixed(1)} KiB raw, ${(gzipSync(code, { level: 9 }).byteLength / 1024).toFixed(1)} KiB gzipped (target < 20 KiB)`,
  );
  console.log(
    `${LOADS} loads of /demo (a signed-in demo shopper, a fresh context each, after ${WARMUP} warm-up loads) in headless Chromium, from widget.js loaded (its responseEnd):`,
  );
  console.log(`  → launcher on screen (rendered, non-zero size; checked once per animation frame): ${summary(made("launcher"))}`);
  console.log(`  → GET /api/widget/config answered (${order("config")}): ${summary(made("config"))}`);
  console.log(`  → POST /api/widget/session answered (${order("session")}): ${summary(made("session"))}`);
  console.log(`  → launcher on screen and session answered, whichever is later (ready to chat as the shopper): ${summary(ready)}`);
  console.log(
    "  left out: fetching the store page and widget.js itself; what the widget does after the session answers (such as resuming a chat); any network (loopback, no TLS)",
  );
} finally {
  await stop();
}
