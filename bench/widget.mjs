// `npm run bench:widget`: the storefront widget's weight and speed, in Debian's headless Chromium
// against the demo store.
// - Sizes, gzipped: widget.js (the loader, on every page view), the panel, and one language's
//   strings (the largest of the nine).
// - From widget.js loaded (its resource timing's responseEnd) to the launcher on screen. The
//   launcher waits for the config, the session, the open-chat check and the strings, so its
//   figure includes them.
// - First open to the panel interactive (its first control focused): cold (the click comes
//   with no hover before it) and prefetched (the pointer rested on the launcher first).
// - Layout shift (the sum of PerformanceObserver `layout-shift` entries) and the longest task
//   (`longtask`, which reports tasks over 50 ms) on /demo, from navigation until the launcher
//   has shown and a second has passed.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, percentile, startBenchParley } from "./local-parley.mjs";

const LOADS = Number(process.env.BENCH_WIDGET_LOADS ?? 30);
const WARMUP = 3;
const { base, stop } = await startBenchParley({ label: "widget" });

const gzipped = (path) => gzipSync(readFileSync(path), { level: 9 }).byteLength;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Watches, from the first frame, for the launcher, the layout shifts and the long tasks. */
function observe() {
  window.__shift = 0;
  window.__longest = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longest = Math.max(window.__longest, entry.duration);
  }).observe({ type: "longtask", buffered: true });
  const look = () => {
    const launcher = document.getElementById("parley-widget")?.shadowRoot?.querySelector('[data-parley="launcher"]');
    if (launcher && launcher.getBoundingClientRect().width > 0) window.__launcherAt = performance.now();
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/** Clicks the launcher inside the page and waits for the panel's first control to have focus: ms from the click. */
function openPanel() {
  const root = document.getElementById("parley-widget").shadowRoot;
  const started = performance.now();
  root.querySelector('[data-parley="launcher"]').click();
  return new Promise((resolve) => {
    const look = () => {
      const focused = root.activeElement;
      if (focused && root.querySelector('[data-parley="panel"]')?.contains(focused)) resolve(performance.now() - started);
      else requestAnimationFrame(look);
    };
    look();
  });
}

/** The same page without the widget (widget.js refused): its layout shift and longest task, the floor of those figures on this machine now. */
async function loadWithoutWidget(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route("**/widget.js", (route) => route.abort());
  await page.addInitScript(observe);
  await page.goto(`${base}/demo?as=demo-1001`);
  await page.waitForTimeout(1000);
  const figures = await page.evaluate(() => ({ shift: window.__shift, longest: window.__longest }));
  await context.close();
  return figures;
}

/** One load of /demo in a fresh context (another shopper, from another address, with an empty cache). */
async function load(browser, i, prefetch) {
  const context = await browser.newContext({ extraHTTPHeaders: { "CF-Connecting-IP": `127.40.${i >> 8}.${i & 255}` } });
  const page = await context.newPage();
  await page.addInitScript(observe);
  await page.goto(`${base}/demo?as=demo-100${(i % 2) + 1}`);
  await page.waitForFunction(() => window.__launcherAt !== undefined, null, { timeout: 10_000 });
  await page.waitForTimeout(1000);
  const { launcher, shift, longest } = await page.evaluate(() => {
    const loaded = performance.getEntriesByType("resource").find((entry) => new URL(entry.name).pathname === "/widget.js").responseEnd;
    return { launcher: window.__launcherAt - loaded, shift: window.__shift, longest: window.__longest };
  });
  if (prefetch) {
    await page.locator('#parley-widget [data-parley="launcher"]').hover();
    await page.waitForFunction(() =>
      performance.getEntriesByType("resource").some((entry) => /\/widget\/panel-.*\.js$/.test(entry.name) && entry.responseEnd > 0),
    );
    await page.waitForTimeout(50);
  }
  const open = await page.evaluate(openPanel);
  await context.close();
  return { launcher, shift, longest, open };
}

try {
  const files = readdirSync("dist/widget");
  const panel = files.find((name) => /^panel-.*\.js$/.test(name));
  const locales = files.filter((name) => /^[a-z]{2}-.*\.js$/.test(name)).map((name) => ({ name, size: gzipped(`dist/widget/${name}`) }));
  const largest = locales.sort((a, b) => b.size - a.size)[0];
  const loader = gzipped("dist/widget.js");
  const panelSize = gzipped(`dist/widget/${panel}`);
  console.log(`widget.js (the loader): ${kib(loader)} gzipped (budget 6 KiB)`);
  console.log(
    `panel: ${kib(panelSize)} gzipped; with one language's strings (the largest, ${largest.name}: ${kib(largest.size)}): ${kib(panelSize + largest.size)} (budget 20 KiB)`,
  );
  console.log(`everything a shopper who chats downloads: ${kib(loader + panelSize + largest.size)}`);

  const browser = await chromium.launch(CHROMIUM);
  const loads = [];
  const floor = [];
  for (let i = 0; i < 2 * LOADS + WARMUP; i++) {
    const result = await load(browser, i, i % 2 === 1);
    if (i >= WARMUP) loads.push({ ...result, prefetched: i % 2 === 1 }); // the first loads warm the server up
    if (i >= WARMUP && i % 4 === 0) floor.push(await loadWithoutWidget(browser));
  }
  await browser.close();
  const summary = (samples) =>
    `p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms (n=${samples.length})`;
  console.log(`${loads.length} loads of /demo (a signed-in demo shopper, a fresh context and cache each, after ${WARMUP} warm-up loads) in headless Chromium:`);
  console.log(`  widget.js loaded → launcher on screen: ${summary(loads.map((l) => l.launcher))}`);
  console.log(`  first open → panel interactive, cold: ${summary(loads.filter((l) => !l.prefetched).map((l) => l.open))}`);
  console.log(`  first open → panel interactive, prefetched on hover: ${summary(loads.filter((l) => l.prefetched).map((l) => l.open))}`);
  const tasks = (runs) => {
    const long = runs.filter((r) => r.longest > 0).map((r) => r.longest);
    return `a task over 50 ms in ${long.length} of ${runs.length} loads${long.length ? ` (longest ${Math.max(...long).toFixed(0)} ms)` : ""}`;
  };
  console.log(`  layout shift on /demo: max ${Math.max(...loads.map((l) => l.shift)).toFixed(4)} per load (the sum of its layout-shift entries)`);
  console.log(`  long tasks on /demo (PerformanceObserver longtask, which reports tasks over 50 ms): ${tasks(loads)}`);
  console.log(
    `  the same page with widget.js refused, as the floor of this machine now: layout shift max ${Math.max(...floor.map((l) => l.shift)).toFixed(4)}, ${tasks(floor)}`,
  );
  console.log("  left out: fetching the store page and widget.js itself; any network (loopback, no TLS); a store page heavier than /demo");
} finally {
  await stop();
}
