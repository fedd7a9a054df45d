// Debian's Chromium, headless, driven by playwright-core (no browser download). The e2e run
// launches one browser in its global setup (server.ts) and every test file connects to it: a
// file's contexts are its own, and closing its connection leaves the browser to the others.
import { chromium, type Browser, type BrowserContext, type BrowserServer } from "playwright-core";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { CHROMIUM } from "../../scripts/chromium.mjs";

/** The run's browser, listening on loopback only, at a WebSocket path nobody can guess. */
export function launchChromiumServer(): Promise<BrowserServer> {
  return chromium.launchServer({ ...CHROMIUM, host: "127.0.0.1" });
}

/** This file's connection to the run's browser; its `close()` closes this file's contexts and the connection. */
export function connectChromium(): Promise<Browser> {
  return chromium.connect(inject("chromiumEndpoint"));
}

/**
 * The run's Chromium for a test file: connected before its tests, disconnected after them.
 * Contexts made through `keep` are closed after each test.
 */
export function useChromium() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await connectChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error("Chromium is not connected yet: use it inside a test");
      return browser;
    },
    async keep(context: Promise<BrowserContext>): Promise<BrowserContext> {
      const created = await context;
      contexts.push(created);
      return created;
    },
  };
}
