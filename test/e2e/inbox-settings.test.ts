// The admin's Settings in the inbox, in a real browser (Debian's Chromium via playwright-core)
// against `npm start`: every change is made through the page and checked where it counts (the
// widget's public config, the admin API, a sign-in, a store page). The e2e files share one
// server and its settings, so each test puts back what it changed and names things uniquely.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn, withSettings } from "./client";
import { admin, agentContext, inbox, signInPage, until } from "./inbox-fixtures";
import { base, newContext } from "./widget-fixtures";

let browser: Browser;
let cookie: string;
let adminContext: BrowserContext;
let page: Page;
const contexts: BrowserContext[] = [];
const run = Date.now().toString(36);

beforeAll(async () => {
  [browser, cookie] = await Promise.all([connectChromium(), signIn()]);
  adminContext = await agentContext(browser);
  // One admin page for the whole file: the login limit counts sign-ins per account.
  page = await signInPage(adminContext, undefined, "/settings");
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  // Whatever a failed test left behind.
  for (const faq of (await ok(await http("/api/faqs", { cookie }))).faqs) {
    if (faq.question.includes(run)) await http(`/api/faqs/${faq.id}`, { method: "DELETE", cookie });
  }
  for (const macro of (await ok(await http("/api/macros", { cookie }))).macros) {
    if (macro.name.includes(run)) await http(`/api/macros/${macro.id}`, { method: "DELETE", cookie });
  }
});

const id = (name: string) => page.getByTestId(name);
const settings = async () => ok(await http("/api/settings", { cookie }));
const widgetConfig = async () => ok(await http("/api/widget/config"));

/** A fresh load of /settings/<section> (drafts from earlier tests are gone). */
async function openSection(section: string) {
  await page.goto(`${base()}/settings/${section}`);
  await id(`settings-section-${section}`).waitFor();
}

/** Clicks a section's save button and waits for its "Saved". */
async function save(section: string) {
  await id(`save-${section}`).click();
  await id(`saved-${section}`).waitFor();
}

const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? null);

/** Where the day and time are in `timeZone` at `at` (0 = Sunday, "HH:MM"). */
function clockIn(timeZone: string, at: Date): { day: number; time: string } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)!.value;
  return { day: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday")), time: `${get("hour")}:${get("minute")}` };
}

describe("inbox settings in a browser", { timeout: 60_000 }, () => {
  it("shows the first section at /settings and saves the general settings, which the widget's config reflects at once", async () => {
    await withSettings(
      cookie,
      { webchatEnabled: true, loginStatus: "all", welcomeMessage: "Hello before", links: { privacy: null, terms: null } },
      async () => {
        await page.goto(`${base()}/settings`);
        await id("settings-section-general").waitFor();
        expect(await id("settings-tab-general").getAttribute("aria-current")).toBe("page");
        expect(await id("settings-tab-faqs").getAttribute("aria-current")).toBeNull();
        expect(await id("setting-webchatEnabled").isChecked()).toBe(true);
        expect(await id("setting-loginStatus-all").isChecked()).toBe(true);
        expect(await id("setting-welcomeMessage").inputValue()).toBe("Hello before");
        expect(await id("setting-links.privacy").inputValue()).toBe("");

        const welcome = `Hej! Ask us anything (${run})`;
        const links = { privacy: `https://shop.example/privacy-${run}`, terms: `https://shop.example/terms-${run}` };
        await id("setting-webchatEnabled").uncheck();
        await id("setting-loginStatus-logged_in").check();
        await id("setting-welcomeMessage").fill(`  ${welcome}  `);
        await id("setting-links.privacy").fill(links.privacy);
        await id("setting-links.terms").fill(links.terms);
        await save("general");
        expect(await widgetConfig()).toMatchObject({ enabled: false, loginStatus: "logged_in", welcomeMessage: welcome, links });
        // The form shows what the server kept (trimmed).
        expect(await id("setting-welcomeMessage").inputValue()).toBe(welcome);
        // "Saved" describes the saved values only: it goes away with the next edit.
        await id("setting-welcomeMessage").fill(`${welcome}!`);
        expect(await id("saved-general").count()).toBe(0);

        await page.reload();
        await id("settings-section-general").waitFor();
        expect(await id("setting-webchatEnabled").isChecked()).toBe(false);
        expect(await id("setting-loginStatus-logged_in").isChecked()).toBe(true);
        expect(await id("setting-links.terms").inputValue()).toBe(links.terms);

        // An emptied link is no link (null), and the rest switches back.
        await id("setting-webchatEnabled").check();
        await id("setting-loginStatus-all").check();
        await id("setting-links.privacy").fill("");
        await save("general");
        expect(await widgetConfig()).toMatchObject({ enabled: true, loginStatus: "all", links: { privacy: null, terms: links.terms } });
      },
    );
  });

  it("is usable with the keyboard alone: sub-navigation, labelled fields, visible focus, save with Enter", async () => {
    await withSettings(cookie, { loginStatus: "all", welcomeMessage: "Hello before" }, async () => {
      await openSection("office-hours");
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      // Tab from the top of the page to the General link of the sub-navigation.
      for (let presses = 0; (await focusedTestId()) !== "settings-tab-general"; presses++) {
        expect(presses, "the General link is reachable with Tab").toBeLessThan(20);
        await page.keyboard.press("Tab");
      }
      const outline = () => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(await outline()).not.toBe("none");
      await page.keyboard.press("Enter");
      await id("settings-section-general").waitFor();
      expect(new URL(page.url()).pathname).toBe("/settings/general");
      expect(await id("settings-tab-general").getAttribute("aria-current")).toBe("page");
      // Focus starts at the new section's heading.
      await until(() => page.evaluate(() => document.activeElement?.textContent), "General");

      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-webchatEnabled");
      expect(await outline()).not.toBe("none");
      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-loginStatus-all");
      await page.keyboard.press("ArrowDown");
      expect(await id("setting-loginStatus-logged_in").isChecked()).toBe(true);
      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-welcomeMessage");
      const welcome = `Typed with the keyboard (${run})`;
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type(welcome);
      // Every field has a label that names it.
      expect(await page.getByLabel("Welcome message").getAttribute("data-testid")).toBe("setting-welcomeMessage");
      expect(await page.getByLabel("Privacy policy link").getAttribute("data-testid")).toBe("setting-links.privacy");
      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-links.privacy");
      await page.keyboard.press("Enter");
      await id("saved-general").waitFor();
      expect(await widgetConfig()).toMatchObject({ loginStatus: "logged_in", welcomeMessage: welcome });
    });
  });

  it("saves office hours: switched on, time zone, a Monday-first weekly schedule with overnight hours, the closed message", async () => {
    const zone = "Asia/Tokyo";
    const weekdays = [1, 2, 3, 4, 5].map((day) => ({ day, open: "09:00", close: "17:00" }));
    await withSettings(cookie, { officeHours: { enabled: false, timezone: "UTC", weekly: weekdays, closedMessage: "Away for now" } }, async () => {
      await openSection("office-hours");
      expect(await page.locator('[data-testid="officeHours-day"]').evaluateAll((days) => days.map((day) => day.getAttribute("data-day")))).toEqual([
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "0",
      ]);
      expect(await id("setting-officeHours.enabled").isChecked()).toBe(false);
      expect(await id("setting-officeHours.timezone").inputValue()).toBe("UTC");
      expect(await page.getByLabel("Monday opens").inputValue()).toBe("09:00");

      const closed = `We're away right now (${run}); we'll answer in the morning.`;
      await id("setting-officeHours.enabled").check();
      await id("setting-officeHours.timezone").selectOption(zone);
      await id("setting-officeHours.closedMessage").fill(closed);
      while ((await id("remove-officeHours.weekly.0").count()) > 0) await id("remove-officeHours.weekly.0").click();

      // Saturday 22:00 to 02:00 runs into Sunday, and says so.
      await id("add-window-6").click();
      expect(await focusedTestId()).toBe("setting-officeHours.weekly.0.open");
      await id("setting-officeHours.weekly.0.open").fill("22:00");
      await id("setting-officeHours.weekly.0.close").fill("02:00");
      expect(await id("overnight-0").textContent()).toContain("Sunday");
      await id("setting-officeHours.weekly.0.close").fill("23:30");
      expect(await id("overnight-0").count()).toBe(0);
      await id("remove-officeHours.weekly.0").click();

      // No hours at all: always closed.
      await save("office-hours");
      expect((await widgetConfig()).officeHours).toEqual({ open: false, message: closed });
      expect((await settings()).officeHours).toEqual({ enabled: true, timezone: zone, weekly: [], closedMessage: closed });

      // Hours from an hour ago to an hour from now, in Tokyo: open (past midnight if need be).
      const from = clockIn(zone, new Date(Date.now() - 3600_000));
      const to = clockIn(zone, new Date(Date.now() + 3600_000));
      await id(`add-window-${from.day}`).click();
      await id("setting-officeHours.weekly.0.open").fill(from.time);
      await id("setting-officeHours.weekly.0.close").fill(to.time);
      await save("office-hours");
      expect((await widgetConfig()).officeHours).toEqual({ open: true, message: null });
      expect((await settings()).officeHours.weekly).toEqual([{ day: from.day, open: from.time, close: to.time }]);
    });
  });

  it("adds, edits, publishes, reorders and deletes FAQs; the widget gets the published ones in order", async () => {
    const question = (name: string) => `${name}: how does it work? (${run})`;
    const mine = async () =>
      (await widgetConfig()).faqs.filter((faq: { question: string }) => faq.question.includes(run)).map((faq: { question: string }) => faq.question);
    const idOf = async (text: string) =>
      (await ok(await http("/api/faqs", { cookie }))).faqs.find((faq: { question: string }) => faq.question === text)?.id as string;
    const row = (faqId: string) => page.locator(`[data-testid="faq-item"][data-faq-id="${faqId}"]`);
    const newFaq = id("faq-new");

    await openSection("faqs");
    const ids = {} as Record<"Returns" | "Shipping" | "Gift cards", string>;
    for (const [name, published] of [
      ["Returns", true],
      ["Shipping", true],
      ["Gift cards", false],
    ] as const) {
      await newFaq.getByTestId("faq-question").fill(question(name));
      await newFaq.getByTestId("faq-answer").fill(`All about ${name.toLowerCase()}.`);
      await newFaq.getByTestId("faq-published").setChecked(published);
      await newFaq.getByTestId("faq-add").click();
      await newFaq.getByTestId("faq-added").waitFor();
      ids[name] = await idOf(question(name));
      await row(ids[name]).waitFor();
      expect(await newFaq.getByTestId("faq-question").inputValue()).toBe("");
    }
    expect(await mine()).toEqual([question("Returns"), question("Shipping")]);

    // Edit a question, and publish the draft.
    const returns = row(ids.Returns);
    await returns.getByTestId("faq-question").fill(question("Refunds"));
    await returns.getByTestId("faq-save").click();
    await returns.getByTestId("faq-saved").waitFor();
    const gifts = row(ids["Gift cards"]);
    await gifts.getByTestId("faq-published").check();
    await gifts.getByTestId("faq-save").click();
    await gifts.getByTestId("faq-saved").waitFor();
    expect(await mine()).toEqual([question("Refunds"), question("Shipping"), question("Gift cards")]);

    // Move up with a click, then again with Enter: focus stays on the moved FAQ's button.
    await gifts.getByTestId("faq-up").click();
    await until(mine, [question("Refunds"), question("Gift cards"), question("Shipping")]);
    await until(() => gifts.getByTestId("faq-up").getAttribute("aria-disabled"), "false");
    expect(await gifts.getByTestId("faq-up").evaluate((button) => button === document.activeElement)).toBe(true);
    const patches: string[] = [];
    const countPatches = (request: Request) => {
      if (request.method() === "PATCH" && new URL(request.url()).pathname.startsWith("/api/faqs/")) patches.push(request.url());
    };
    page.on("request", countPatches);
    await page.keyboard.press("Enter");
    await until(mine, [question("Gift cards"), question("Refunds"), question("Shipping")]);
    page.off("request", countPatches);
    // Positions are now 0, 1, 2…: a swap sends only the two FAQs that change places.
    expect(patches).toHaveLength(2);
    const positions = (await ok(await http("/api/faqs", { cookie }))).faqs.map((faq: { position: number }) => faq.position);
    expect(positions).toEqual(positions.map((_: number, index: number) => index));
    await row(ids.Returns).getByTestId("faq-down").click();
    await until(mine, [question("Gift cards"), question("Shipping"), question("Refunds")]);
    const rowOrder = () =>
      page
        .locator('[data-testid="faq-item"]')
        .evaluateAll((rows, mine) => rows.map((row) => row.getAttribute("data-faq-id")).filter((faqId) => mine.includes(faqId!)), Object.values(ids));
    await until(rowOrder, [ids["Gift cards"], ids.Shipping, ids.Returns]);

    // Delete asks first; cancelling keeps the FAQ.
    const shipping = row(ids.Shipping);
    await shipping.getByTestId("faq-delete").click();
    await id("confirm-delete-cancel").click();
    expect(await shipping.count()).toBe(1);
    await shipping.getByTestId("faq-delete").click();
    expect(await id("confirm-delete").textContent()).toContain(question("Shipping"));
    await id("confirm-delete-confirm").click();
    await until(() => shipping.count(), 0);
    expect(await mine()).toEqual([question("Gift cards"), question("Refunds")]);
    expect(await idOf(question("Shipping"))).toBeUndefined();
    expect(await id("faq-notice").textContent()).toContain("Deleted");
  });

  it("adds, edits and deletes macros, as GET /api/macros shows", async () => {
    const name = `Where is my order ${run}`;
    const listed = async () => (await ok(await http("/api/macros", { cookie }))).macros.filter((macro: { name: string }) => macro.name === name);
    await openSection("macros");
    const newMacro = id("macro-new");
    await newMacro.getByTestId("macro-name").fill(name);
    await newMacro.getByTestId("macro-body").fill("It is on its way: tracking follows by email.");
    await newMacro.getByTestId("macro-add").click();
    await newMacro.getByTestId("macro-added").waitFor();
    const [created] = await listed();
    expect(created).toMatchObject({ name, body: "It is on its way: tracking follows by email." });

    const row = page.locator(`[data-testid="macro-item"][data-macro-id="${created.id}"]`);
    await row.getByTestId("macro-body").fill("It left our warehouse today.");
    await row.getByTestId("macro-save").click();
    await row.getByTestId("macro-saved").waitFor();
    expect(await listed()).toEqual([{ id: created.id, name, body: "It left our warehouse today." }]);

    // A refused edit says why, beside the field.
    await row.getByTestId("macro-body").fill("   ");
    await row.getByTestId("macro-save").click();
    await row.getByTestId("error-body").waitFor();
    expect(await row.getByTestId("macro-body").getAttribute("aria-invalid")).toBe("true");
    expect(await listed()).toEqual([{ id: created.id, name, body: "It left our warehouse today." }]);

    await row.getByTestId("macro-delete").click();
    await id("confirm-delete-confirm").click();
    await until(() => row.count(), 0);
    expect(await listed()).toEqual([]);
  });

  it("shows a refused value's error beside its field, and the server keeps everything as it was", async () => {
    const before = await settings();
    await openSection("general");
    await id("setting-welcomeMessage").fill(`Not to be saved (${run})`);
    await id("setting-links.privacy").fill("javascript:alert(1)");
    await id("save-general").click();
    const error = id("error-links.privacy");
    await error.waitFor();
    expect(await error.textContent()).toBe("must be an http(s) URL");
    const privacy = id("setting-links.privacy");
    expect(await privacy.getAttribute("aria-invalid")).toBe("true");
    expect((await privacy.getAttribute("aria-describedby"))?.split(" ")).toContain(await error.getAttribute("id"));
    expect(await focusedTestId()).toBe("setting-links.privacy");
    expect(await id("saved-general").count()).toBe(0);
    expect(await settings()).toEqual(before);

    await openSection("origins");
    const index = before.allowedOrigins.length;
    await id("add-allowedOrigins").click();
    await id(`setting-allowedOrigins.${index}`).fill("https://shop.example.com/checkout");
    await id("save-origins").click();
    await id(`error-allowedOrigins.${index}`).waitFor();
    expect(await id(`error-allowedOrigins.${index}`).textContent()).toContain("must be an origin");
    expect(await id(`setting-allowedOrigins.${index}`).getAttribute("aria-invalid")).toBe("true");
    expect(await settings()).toEqual(before);
  });

  it("invites an agent with a generated password that signs them in; an agent gets no Settings", async () => {
    await openSection("team");
    expect(await page.locator('[data-testid="agent-item"]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining((await admin()).email)]),
    );
    const email = `invited-${run}@example.com`;
    await id("invite-name").fill(`Ivy Invited ${run}`);
    await id("invite-email").fill(email);
    await id("invite-role").selectOption("agent");
    await id("invite-submit").click();
    const shown = id("invite-password");
    await shown.waitFor();
    const password = (await shown.textContent())!;
    expect(password.length).toBeGreaterThanOrEqual(10);
    expect(await id("invite-email").inputValue()).toBe("");
    await page.locator('[data-testid="agent-item"]', { hasText: email }).waitFor();
    expect(await page.locator('[data-testid="agent-item"]', { hasText: email }).textContent()).toContain("Agent");
    const { agents } = await ok(await http("/api/agents", { cookie }));
    expect(agents.find((agent: { email: string }) => agent.email === email)).toMatchObject({ role: "agent", name: `Ivy Invited ${run}` });

    await adminContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base() });
    await id("invite-copy").click();
    await until<string>(() => page.evaluate(() => navigator.clipboard.readText()), password);

    // The same email again is refused, beside the email field.
    await id("invite-name").fill(`Ivy Again ${run}`);
    await id("invite-email").fill(email);
    await id("invite-submit").click();
    await id("error-email").waitFor();
    expect(await id("error-email").textContent()).toContain("already exists");
    expect(await id("invite-email").getAttribute("aria-invalid")).toBe("true");

    // The password works through the sign-in form, and an agent has no way into Settings.
    const agentSide = await agentContext(browser);
    contexts.push(agentSide);
    const agentPage = await signInPage(agentSide, { email, password });
    const ui = inbox(agentPage);
    expect(await ui.id("me").textContent()).toBe(`Ivy Invited ${run}`);
    expect(await ui.id("nav-settings").count()).toBe(0);
    await agentPage.goto(`${base()}/settings/general`);
    await ui.id("nav-inbox").waitFor();
    await until(async () => new URL(agentPage.url()).pathname, "/");
    expect(await ui.id("settings").count()).toBe(0);
    expect(await ui.id("nav-inbox").getAttribute("aria-current")).toBe("page");
  });

  it("saves allowed origins, which take effect at once", async () => {
    const shop = `https://shop-${run}.example.com`;
    const fromShop = () => http("/api/widget/config", { headers: { Origin: shop } });
    await withSettings(cookie, { allowedOrigins: [] }, async () => {
      expect((await fromShop()).status).toBe(403);
      await openSection("origins");
      await id("empty-allowedOrigins").waitFor();
      expect(await id("settings-section-origins").textContent()).toContain(`${base()}) is always allowed`);

      await id("add-allowedOrigins").click();
      expect(await focusedTestId()).toBe("setting-allowedOrigins.0");
      await page.keyboard.type(shop);
      await id("add-allowedOrigins").click();
      await id("setting-allowedOrigins.1").fill("http://localhost:3000/");
      await id("add-allowedOrigins").click();
      await save("origins");
      // The empty entry is dropped and the pasted trailing "/" trimmed.
      expect(await settings()).toMatchObject({ allowedOrigins: [shop, "http://localhost:3000"] });
      expect(await id("setting-allowedOrigins.1").inputValue()).toBe("http://localhost:3000");
      expect(await id("setting-allowedOrigins.2").count()).toBe(0);
      const allowed = await fromShop();
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("access-control-allow-origin")).toBe(shop);

      await id("remove-allowedOrigins.0").click();
      await save("origins");
      expect(await settings()).toMatchObject({ allowedOrigins: ["http://localhost:3000"] });
      expect((await fromShop()).status).toBe(403);
    });
  });

  it("gives the README's embed snippet for this server, which works on a store page, and never the secret", async () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Embedding the widget in a store"));
    const documented = section.match(/```html\n([\s\S]*?)\n```/)![1]!;
    const expected = documented.replace("https://<your-parley-host>", base());
    expect(expected).not.toBe(documented);

    await openSection("install");
    const snippet = (await id("embed-snippet").textContent())!;
    expect(snippet).toBe(expected);
    expect(await page.locator('[data-testid="hmac-example"]').count()).toBe(4);
    expect(await page.content()).not.toContain(inject("identitySecret"));
    await adminContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base() });
    await id("embed-copy").click();
    await until<string>(() => page.evaluate(() => navigator.clipboard.readText()), expected);

    // Pasted into a store page with the customer's real userHash, it boots the widget for that
    // customer: with "only logged-in customers", the launcher shows only for a proven identity.
    await withSettings(cookie, { webchatEnabled: true, loginStatus: "logged_in" }, async () => {
      const userHash = createHmac("sha256", inject("identitySecret")).update("1001").digest("hex");
      const store = await newContext(browser);
      contexts.push(store);
      const url = `${base()}/__install-test-store`;
      await store.route(url, (route) =>
        route.fulfill({
          contentType: "text/html; charset=utf-8",
          body: `<!doctype html><html lang="en"><head><title>Store</title></head><body><h1>Store</h1>${snippet.replace("<hex>", userHash)}</body></html>`,
        }),
      );
      const storePage = await store.newPage();
      await storePage.goto(url);
      await storePage.locator('[data-parley="launcher"]').waitFor({ timeout: 10_000 });
    });
  });
});
