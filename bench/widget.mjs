// `npm run bench:widget`: the storefront widget's weight and start-up time.
// - widget.js gzipped size (the build also fails above its budget);
// - time from widget.js loaded (its resource timing's responseEnd) to the launcher on screen
//   and clickable, in Debian's headless Chromium, over repeated loads of the demo store.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { CHROMIUM, percentile, startBenchParley } from "./local-parley.mjs";

const LOADS = Number(process.env.BENCH_WIDGET_LOADS ?? 30);
const { base, stop } = await startBenchParley({ label: "widget" });

try {
  const code = readFileSync("dist/widget.js");
  const browser = await chromium.launch(CHROMIUM);
  const samples = [];
  for (let i = 0; i < LOADS + 3; i++) {
    // Each load is another shopper, from another address, as on a real store.
    const context = await browser.newContext({ extraHTTPHeaders: { "CF-Connecting-IP": `127.40.${i >> 8}.${i & 255}` } });
    const page = await context.newPage();
    // Watches for the launcher from the first frame, inside the widget's shadow root.
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
    const ms = await page.evaluate(() => {
      const script = performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/widget.js"));
      return window.__launcherAt - script.responseEnd;
    });
    if (i >= 3) samples.push(ms); // the first loads warm the server up
    await context.close();
  }
  await browser.close();
  console.log(`widget.js: ${(code.byteLength / 1024).toFixed(1)} KiB raw, ${(gzipSync(code, { level: 9 }).byteLength / 1024).toFixed(1)} KiB gzipped (target < 20 KiB)`);
  console.log(`widget.js loaded → launcher interactive, ${LOADS} loads of /demo in headless Chromium: p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`);
  console.log("  (includes the widget's two start-up calls: GET /api/widget/config and POST /api/widget/session)");
} finally {
  await stop();
}
