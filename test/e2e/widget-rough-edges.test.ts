// Rough edges a shopper hit in Chromium (issue 15), each checked as the shopper meets it: a
// thread of images opening short of the newest message, a reload losing the open panel and the
// half-typed message, no sign of the team being away on the FAQ view, a red 404 in the store's
// console, a wrong userHash failing silently, and switching web chat off leaving an open chat
// writable without a word.
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn, withSettings } from "./client";
import { pngBytes, ScriptedCustomer, signInPage, ticketReady } from "./inbox-fixtures";
import { attribute, count, freshCustomer, newContext, openStore, text, ui, visible } from "./widget-fixtures";

let browser: Browser;
let admin: string;
let faqId: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, admin] = await Promise.all([connectChromium(), signIn()]);
  // With no FAQs, a shopper without a chat has nothing to open.
  faqId = (
    await ok(
      await http("/api/faqs", { method: "POST", cookie: admin, json: { question: "Where is my order?", answer: "See your account.", published: true } }),
      201,
    )
  ).id;
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  await http(`/api/faqs/${faqId}`, { method: "DELETE", cookie: admin });
});

async function context(): Promise<BrowserContext> {
  const created = await newContext(browser);
  contexts.push(created);
  return created;
}

/** How far the scroller is from its bottom, once every image in it has loaded. */
async function distanceFromBottom(page: Page, scroller: string): Promise<number> {
  return page.locator(scroller).evaluate(async (element) => {
    await Promise.all(
      Array.from(element.querySelectorAll("img")).map((img) => (img.complete ? null : new Promise((done) => img.addEventListener("load", done)))),
    );
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    return Math.round(element.scrollHeight - element.scrollTop - element.clientHeight);
  });
}

async function uploadAs(token: string, size: number): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(pngBytes(size, [40, 120, 200]))]), "photo.png");
  return (await ok(await http("/api/uploads", { method: "POST", token, body: form }), 201)).key;
}

/** A chat whose customer sent three photos (and waits on its socket for more). */
async function chatWithPhotos(label: string): Promise<ScriptedCustomer> {
  const customer = new ScriptedCustomer(freshCustomer(label));
  await customer.start("Here are the photos of the damaged parcel");
  for (let i = 0; i < 3; i++) await sendPhoto(customer, `photo-${i}`, `Photo ${i + 1}`);
  return customer;
}

async function sendPhoto(customer: ScriptedCustomer, clientId: string, body: string): Promise<void> {
  const key = await uploadAs(customer.token, 320);
  customer.socket.send({ type: "send", clientId, body, attachments: [{ key }] });
  await customer.socket.next((f) => f.type === "ack" && f.clientId === clientId);
}

describe("a thread with images", { timeout: 90_000 }, () => {
  it("opens at the newest message in the widget once the images have loaded, and follows new ones unless the shopper scrolled up", async () => {
    const customer = await chatWithPhotos("images");
    const page = await openStore(await context(), customer.customer);
    const w = ui(page);
    await visible(w.launcher);
    await w.launcher.click();
    await count(page.locator('[data-parley="image"]'), 3);
    expect(await distanceFromBottom(page, '[data-parley="thread"]')).toBeLessThanOrEqual(2);

    // A new image arrives while the shopper is at the bottom: it comes into view once loaded.
    await sendPhoto(customer, "photo-late", "One more");
    await count(page.locator('[data-parley="image"]'), 4);
    expect(await distanceFromBottom(page, '[data-parley="thread"]')).toBeLessThanOrEqual(2);

    // A shopper who scrolled up to read is left there.
    await page.locator('[data-parley="thread"]').evaluate((element) => (element.scrollTop = 0));
    await customer.say("Are you there?");
    await count(w.messageWithBody("Are you there?"), 1);
    expect(await page.locator('[data-parley="thread"]').evaluate((element) => element.scrollTop)).toBe(0);
    customer.close();
  });

  it("opens at the newest message in the inbox's ticket view once the images have loaded", async () => {
    const customer = await chatWithPhotos("inbox-images");
    const inbox = await signInPage(await context(), undefined, `/tickets/${customer.ticketId}`);
    await ticketReady(inbox, customer.ticketId);
    await count(inbox.locator('[data-testid="thread"] img'), 3, 10_000);
    expect(await distanceFromBottom(inbox, '[data-testid="ticket-view"] .scroller')).toBeLessThanOrEqual(2);
    await sendPhoto(customer, "photo-late", "One more");
    await count(inbox.locator('[data-testid="thread"] img'), 4, 10_000);
    expect(await distanceFromBottom(inbox, '[data-testid="ticket-view"] .scroller')).toBeLessThanOrEqual(2);
    customer.close();
  });
});

describe("moving around the store", { timeout: 60_000 }, () => {
  it("keeps the panel open and the half-typed message across a reload and the next page, per tab", async () => {
    const customer = freshCustomer("draft");
    const tab = await context();
    const page = await openStore(tab, customer);
    const w = ui(page);
    await visible(w.launcher);
    await w.launcher.click();
    await w.needHelp.click();
    await w.input.fill("My order number is 10");
    await page.reload();
    await visible(w.panel);
    await expect.poll(() => w.input.inputValue()).toBe("My order number is 10");
    await w.input.fill("My order number is 1042");
    await page.goto(page.url());
    await visible(w.panel);
    await expect.poll(() => w.input.inputValue()).toBe("My order number is 1042");

    // Closed stays closed on the next page; another tab starts closed.
    await w.close.click();
    await page.reload();
    await visible(w.launcher);
    await count(w.panel, 0);
    const other = await openStore(tab, customer);
    await visible(ui(other).launcher);
    await count(ui(other).panel, 0);
  });
});

describe("outside office hours", { timeout: 60_000 }, () => {
  it("the FAQ view says at its top that the team is away", async () => {
    await withSettings(admin, { officeHours: { enabled: true, weekly: [], closedMessage: "Closed for the night" } }, async () => {
      const page = await openStore(await context(), freshCustomer("away"));
      const w = ui(page);
      await visible(w.launcher);
      await w.launcher.click();
      await visible(page.locator('[data-parley="away-notice"]'));
      const first = await page.locator('[data-parley="panel"] .body > *').first().getAttribute("data-parley");
      expect(first).toBe("away-notice");
    });
  });
});

describe("the store's console", { timeout: 60_000 }, () => {
  const consoleOf = (tab: BrowserContext) => {
    const messages: ConsoleMessage[] = [];
    tab.on("console", (message) => messages.push(message));
    return messages;
  };

  it("stays clean for a logged-in shopper with no open chat: no error status, no console error", async () => {
    const tab = await context();
    const failed: string[] = [];
    tab.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    const messages = consoleOf(tab);
    const page = await tab.newPage();
    await page.goto(`${inject("base")}/demo?as=demo-1002`);
    await visible(ui(page).launcher);
    await page.waitForLoadState("networkidle");
    expect(failed).toEqual([]);
    expect(messages.filter((message) => message.type() === "error").map((message) => message.text())).toEqual([]);
  });

  it("tells the store's developer once, without the secret, that the userHash was refused", async () => {
    const customer = { ...freshCustomer("wrong-hash"), userHash: "0".repeat(64) };
    const tab = await context();
    const messages = consoleOf(tab);
    const page = await openStore(tab, customer);
    await visible(ui(page).launcher);
    await page.waitForLoadState("networkidle");
    const warnings = messages.filter((message) => message.type() === "warning").map((message) => message.text());
    expect(warnings.filter((warning) => warning.includes("userHash"))).toHaveLength(1);
    for (const warning of warnings) {
      expect(warning).not.toContain(inject("identitySecret"));
      expect(warning).not.toContain(customer.userHash);
    }
    // Treated as logged out: the login prompt, not the chat.
    await ui(page).launcher.click();
    await ui(page).needHelp.click();
    await visible(ui(page).loginPrompt);
  });
});

describe("web chat switched off during a chat", { timeout: 60_000 }, () => {
  it("says chat is unavailable and keeps what the shopper wrote, to send once chat is back", async () => {
    const customer = freshCustomer("chat-off");
    const page = await openStore(await context(), customer);
    const w = ui(page);
    await visible(w.launcher);
    await w.launcher.click();
    await w.needHelp.click();
    await w.input.fill("Is the blue one back in stock?");
    await w.send.click();
    await attribute(w.messageWithBody("Is the blue one back in stock?"), "data-status", "sent");
    await withSettings(admin, { webchatEnabled: false }, async () => {
      await w.input.fill("Hello? Still there?");
      await w.send.click();
      await visible(page.locator('[data-parley="chat-off"]'));
      await attribute(w.messageWithBody("Hello? Still there?"), "data-status", "failed");
      // On the next page too: the notice, and the message waiting.
      await page.reload();
      await visible(page.locator('[data-parley="chat-off"]'));
      await text(w.messageWithBody("Hello? Still there?").locator('[data-parley="body"]'), "Hello? Still there?");
    });
    await w.messageWithBody("Hello? Still there?").locator("button.retry").click();
    await attribute(w.messageWithBody("Hello? Still there?"), "data-status", "sent");
    await count(page.locator('[data-parley="chat-off"]'), 0);
  });
});
