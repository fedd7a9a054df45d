// Debian's Chromium, headless, driven by playwright-core (no browser download).
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";

export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_FLAGS });
}

/**
 * One Chromium for a test file: launched before its tests, closed after them. Contexts made
 * through `keep` are closed after each test.
 */
export function useChromium() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error("Chromium is not running yet: use it inside a test");
      return browser;
    },
    async keep(context: Promise<BrowserContext>): Promise<BrowserContext> {
      const created = await context;
      contexts.push(created);
      return created;
    },
  };
}
