// The store's texts in the shopper's language (settings.translations), edited in the inbox's
// Settings in a real browser (Debian's Chromium via playwright-core) against `npm start`, and
// checked where they count: the widget's config in that language. The e2e files share one server
// and its settings, so the test puts back the translations it found.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCALE_NAMES, LOCALES } from "../../contract/locales";
import { connectChromium } from "./browser";
import { http, ok, signIn } from "./client";
import { agentContext, signInPage } from "./inbox-fixtures";
import { base } from "./widget-fixtures";

let browser: Browser;
let cookie: string;
let context: BrowserContext;
let page: Page;
const run = Date.now().toString(36);

beforeAll(async () => {
  [browser, cookie] = await Promise.all([connectChromium(), signIn()]);
  context = await agentContext(browser);
  page = await signInPage(context, undefined, "/settings/languages");
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const id = (name: string) => page.getByTestId(name);
const settings = async () => ok(await http("/api/settings", { cookie }));
const widgetConfig = async (query = "") => ok(await http(`/api/widget/config${query}`));

async function openLanguages() {
  await page.goto(`${base()}/settings/languages`);
  await id("settings-section-languages").waitFor();
}

async function save() {
  await id("save-languages").click();
  await id("saved-languages").waitFor();
}

describe("texts in the shopper's language, in the inbox's Settings", { timeout: 60_000 }, () => {
  it("lets an admin pick Svenska, write a Swedish welcome message and save it: the widget's Swedish config answers it, and a reload shows it", async () => {
    const before = await settings();
    // Every locale as it was (a PATCH merges locale by locale: one that was not there is removed with null).
    const restore = Object.fromEntries(LOCALES.map((locale) => [locale, before.translations[locale] ?? null]));
    try {
      await ok(await http("/api/settings", { method: "PATCH", cookie, json: { translations: { sv: null } } }));
      await openLanguages();
      expect(await id("settings-tab-languages").getAttribute("aria-current")).toBe("page");

      // The nine languages, each by its own name.
      const options = await id("translations-locale")
        .locator("option")
        .evaluateAll((elements) => elements.map((option) => ({ value: (option as HTMLOptionElement).value, label: option.textContent?.trim() })));
      expect(options).toEqual(LOCALES.map((value) => ({ value, label: LOCALE_NAMES[value] })));
      expect(options.map((option) => option.label)).toEqual(expect.arrayContaining(["Svenska", "Deutsch", "Norsk bokmål", "Suomi"]));

      await id("translations-locale").selectOption({ label: "Svenska" });
      const welcome = id("setting-translations.sv.welcomeMessage");
      const closed = id("setting-translations.sv.closedMessage");
      // Empty until written, with the default text as placeholder.
      expect(await welcome.inputValue()).toBe("");
      expect(await welcome.getAttribute("placeholder")).toBe(before.welcomeMessage);
      expect(await closed.getAttribute("placeholder")).toBe(before.officeHours.closedMessage);
      expect(await id("setting-translations.sv.csatQuestion").count()).toBe(1);
      expect(await page.getByLabel("Welcome message").getAttribute("data-testid")).toBe("setting-translations.sv.welcomeMessage");

      const swedish = `Hej! Vad kan vi hjälpa dig med? (${run})`;
      await welcome.fill(`  ${swedish}  `);
      await save();
      expect((await widgetConfig("?locale=sv")).welcomeMessage).toBe(swedish);
      expect((await widgetConfig("?locale=sv-SE")).welcomeMessage).toBe(swedish);
      // The default texts stay the default.
      expect((await widgetConfig()).welcomeMessage).toBe(before.welcomeMessage);
      expect((await settings()).translations.sv).toEqual({ welcomeMessage: swedish });
      // The form shows what the server kept (trimmed).
      expect(await welcome.inputValue()).toBe(swedish);

      await page.reload();
      await id("settings-section-languages").waitFor();
      await id("translations-locale").selectOption("sv");
      expect(await id("setting-translations.sv.welcomeMessage").inputValue()).toBe(swedish);
      expect(await id("translations-set").textContent()).toContain("Svenska");

      // A text with nothing visible is refused, shown beside its field; nothing changes.
      await id("setting-translations.sv.closedMessage").fill("\u200b\u200b");
      await id("save-languages").click();
      const error = id("error-translations.sv.closedMessage");
      await error.waitFor();
      expect(await error.textContent()).toMatch(/visible/);
      expect(await id("setting-translations.sv.closedMessage").getAttribute("aria-invalid")).toBe("true");
      expect((await settings()).translations.sv).toEqual({ welcomeMessage: swedish });

      // Emptied, the Swedish welcome message is gone: Swedish shoppers read the default again.
      await id("setting-translations.sv.closedMessage").fill("");
      await id("setting-translations.sv.welcomeMessage").fill("");
      await save();
      expect((await widgetConfig("?locale=sv")).welcomeMessage).toBe(before.welcomeMessage);
      expect((await settings()).translations.sv).toBeUndefined();
    } finally {
      await ok(await http("/api/settings", { method: "PATCH", cookie, json: { translations: restore } }));
    }
  });
});
