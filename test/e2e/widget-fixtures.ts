// Helpers for the widget's browser tests: a store page that boots the widget for any shopper,
// locators for the DOM contract in docs/widget.md, and small waits (playwright-core has no
// web-first assertions, so the waits are written out with `expect.poll` and `waitFor`).
import { createHmac } from "node:crypto";
import { expect, inject } from "vitest";
import type { BrowserContext, Browser, Locator, Page } from "playwright-core";
import { http, ok } from "./client";

export const base = () => inject("base");
export const WAIT = { timeout: 5_000 };

let sequence = 0;
const run = Date.now().toString(36);

/**
 * A client IP of its own for each browser context and each scripted session, sent as
 * `CF-Connecting-IP`: the session limit (30 a minute per IP) is then one visitor's budget, as
 * in production, instead of one budget shared by every test in the file.
 */
export function uniqueIp(): string {
  sequence += 1;
  return `10.77.${Math.floor(sequence / 250)}.${(sequence % 250) + 1}`;
}

export type Customer = { id: string; name: string; email: string; userHash: string; phone?: string };

/** A shopper nobody has used before (the /demo page only has two customers). */
export function freshCustomer(label: string): Customer {
  sequence += 1;
  const id = `wt-${run}-${label}-${sequence}`;
  const name = `Shopper ${label} ${sequence}`;
  return { id, name, email: `${id}@example.com`, userHash: createHmac("sha256", inject("identitySecret")).update(id).digest("hex") };
}

/** The same shopper's widget token and profile id, from the test process (not the browser). */
export async function sessionFor(customer: Customer): Promise<{ token: string; profileId: string }> {
  return ok(
    await http("/api/widget/session", {
      method: "POST",
      ip: uniqueIp(),
      json: { customer: { id: customer.id, name: customer.name, email: customer.email, phone: customer.phone }, userHash: customer.userHash },
    }),
  );
}

/** A shopper's browser; `locale` is its language (navigator.languages), as for a shopper abroad. */
export async function newContext(browser: Browser, locale?: string): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 }, extraHTTPHeaders: { "CF-Connecting-IP": uniqueIp() } });
  // A page that `openStore` serves from the test (page.route) has no server address, so
  // Chromium's Local Network Access checks count it as public and refuse its WebSocket to
  // 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS). A real store and its chat
  // server are both public; /demo, served by the server itself, needs no permission.
  await context.grantPermissions(["local-network-access"], { origin: base() });
  return context;
}

type Boot = { customer?: { id: string; name: string; email: string }; userHash?: string; loginUrl?: string };

/**
 * A store page on the server's own origin, served by the test (like /demo, but for any
 * customer): the snippet a store pastes, `Parley('boot', …)` and `<script src="/widget.js">`, on a
 * page in `lang`.
 */
export async function openStore(context: BrowserContext, boot: Boot | Customer = {}, lang = "en"): Promise<Page> {
  const options: Boot =
    "userHash" in boot && "id" in boot ? { customer: { id: boot.id, name: boot.name, email: boot.email }, userHash: boot.userHash } : (boot as Boot);
  const url = `${base()}/__widget-test-store`;
  await context.route(url, (route) =>
    route.fulfill({
      status: 200,
      contentType: "text/html; charset=utf-8",
      body: `<!doctype html>
<html lang="${lang}">
  <head><meta charset="utf-8" /><title>Test store</title></head>
  <body>
    <h1>Test store</h1>
    <p>A product page.</p>
    <script>
      window.Parley = window.Parley || function () { (window.Parley.q = window.Parley.q || []).push(arguments); };
      Parley("boot", ${JSON.stringify(options).replaceAll("<", "\\u003c")});
    </script>
    <script src="/widget.js" async></script>
  </body>
</html>`,
    }),
  );
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** The contract's elements (Playwright's CSS engine pierces the open shadow root). */
export function ui(page: Page) {
  const $ = (name: string, tag = "") => page.locator(`${tag}[data-parley="${name}"]`);
  return {
    host: page.locator("#parley-widget"),
    launcher: $("launcher", "button"),
    panel: $("panel"),
    close: $("close"),
    faqs: $("faqs"),
    faq: (question: string) => page.locator('button[data-parley="faq"]', { hasText: question }),
    faqButtons: $("faq", "button"),
    faqAnswer: $("faq-answer"),
    faqBack: $("faq-back", "button"),
    needHelp: $("need-help", "button"),
    loginPrompt: $("login-prompt"),
    loginLink: $("login-link", "a"),
    welcome: $("welcome"),
    legal: $("legal"),
    thread: $("thread"),
    messages: $("message"),
    typing: $("typing"),
    away: $("away"),
    input: $("input", "textarea"),
    send: $("send", "button"),
    end: $("end", "button"),
    endDialog: $("end-dialog"),
    endConfirm: $("end-confirm", "button"),
    endCancel: $("end-cancel", "button"),
    ended: $("ended"),
    newChat: $("new-chat", "button"),
    /** The message whose body is exactly `body` (by text; several may match). */
    messageWithBody: (body: string) => page.locator('[data-parley="message"]').filter({ has: page.locator('[data-parley="body"]', { hasText: body }) }),
  };
}

export type Row = {
  author: string | undefined;
  seq: string | undefined;
  status: string | undefined;
  clientId: string | undefined;
  body: string | null | undefined;
};

/** The thread as data, in DOM order. */
export function threadRows(page: Page): Promise<Row[]> {
  return page.locator('[data-parley="message"]').evaluateAll((elements) =>
    elements.map((element) => {
      const e = element as HTMLElement;
      return {
        author: e.dataset.author,
        seq: e.dataset.seq,
        status: e.dataset.status,
        clientId: e.dataset.clientId,
        body: e.querySelector('[data-parley="body"]')?.textContent,
      };
    }),
  );
}

export async function visible(locator: Locator, timeout = WAIT.timeout) {
  await locator.waitFor({ state: "visible", timeout });
}

export async function attribute(locator: Locator, name: string, expected: string | null, timeout = WAIT.timeout) {
  await expect
    .poll(() => locator.getAttribute(name, { timeout: 500 }).catch((error: Error) => `(${error.message.split("\n")[0]})`), { timeout })
    .toBe(expected);
}

export async function text(locator: Locator, expected: string, timeout = WAIT.timeout) {
  await expect.poll(() => locator.textContent({ timeout: 500 }).catch((error: Error) => `(${error.message.split("\n")[0]})`), { timeout }).toBe(expected);
}

export async function count(locator: Locator, expected: number, timeout = WAIT.timeout) {
  await expect.poll(() => locator.count(), { timeout }).toBe(expected);
}

/** Two animation frames: whatever the widget renders after a response has been painted. */
export function frames(page: Page) {
  return page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/**
 * Records every `data-status` a customer message takes, from now on, in the page (a status
 * that lasts a few milliseconds is still seen): `statusHistory(page)` reads it back.
 */
export async function recordStatuses(page: Page) {
  await page.locator("#parley-widget").waitFor({ state: "attached" });
  await page.evaluate(() => {
    const root = document.getElementById("parley-widget")!.shadowRoot!;
    const log: Array<[string, string]> = [];
    (window as any).__statusLog = log;
    const note = (element: Element) => {
      if (element.matches('[data-parley="message"][data-status]'))
        log.push([element.getAttribute("data-client-id") ?? "", element.getAttribute("data-status")!]);
    };
    root.querySelectorAll('[data-parley="message"][data-status]').forEach(note);
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === "attributes") note(record.target as Element);
        record.addedNodes.forEach((node) => {
          if (node instanceof Element) {
            note(node);
            node.querySelectorAll('[data-parley="message"][data-status]').forEach(note);
          }
        });
      }
    }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status", "data-client-id"] });
  });
}

/** The statuses one message went through, repeats folded. */
export async function statusHistory(page: Page, clientId: string): Promise<string[]> {
  const log = (await page.evaluate(() => (window as any).__statusLog)) as Array<[string, string]>;
  const statuses = log.filter(([id]) => id === clientId).map(([, status]) => status);
  return statuses.filter((status, i) => status !== statuses[i - 1]);
}

/** The parley:* sessionStorage entries of the page (the outbox lives there). */
export function parleyStorage(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => Object.fromEntries(Object.entries(sessionStorage).filter(([key]) => key.startsWith("parley:"))));
}
