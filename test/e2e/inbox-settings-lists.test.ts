// The admin's Settings in the inbox, in a real browser against `npm start`
// (inbox-settings-setup.ts): the sections that edit lists: office hours' weekly schedule, FAQs,
// macros, the team, and allowed origins.
import type { Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { http, ok, withSettings } from "./client";
import { admin, agentContext, inbox, signInPage, until } from "./inbox-fixtures";
import {
  adminContext,
  browser,
  contexts,
  cookie,
  focusedTestId,
  id,
  openSection,
  page,
  run,
  save,
  settings,
  useSettingsPage,
  widgetConfig,
} from "./inbox-settings-setup";
import { base } from "./widget-fixtures";

useSettingsPage();

/** Where the day and time are in `timeZone` at `at` (0 = Sunday, "HH:MM"). */
function clockIn(timeZone: string, at: Date): { day: number; time: string } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)!.value;
  return { day: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday")), time: `${get("hour")}:${get("minute")}` };
}

describe("inbox settings in a browser", { timeout: 60_000 }, () => {
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
});
