// The widget in the shopper's language: /demo in Chromium with the browser set to each shipped
// language shows that language's strings throughout (launcher, FAQs, composer, end-chat dialog,
// away notice), and the page's <html lang> and the boot option take precedence, as the contract says.
import { createHmac } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LOCALES, type Locale } from "../../contract/locales";
import da from "../../widget/src/locales/da";
import de from "../../widget/src/locales/de";
import en from "../../widget/src/locales/en";
import es from "../../widget/src/locales/es";
import fi from "../../widget/src/locales/fi";
import fr from "../../widget/src/locales/fr";
import type { Messages } from "../../widget/src/locales/messages";
import nb from "../../widget/src/locales/nb";
import nl from "../../widget/src/locales/nl";
import sv from "../../widget/src/locales/sv";
import { connectChromium } from "./browser";
import { http, ok, signIn } from "./client";
import { attribute, base, text, ui, uniqueIp, visible } from "./widget-fixtures";

const MESSAGES: Record<Locale, Messages> = { en, sv, da, nb, fi, de, fr, es, nl };
/** How a browser in each language names it: a region, as real browsers send. */
const BROWSER_LANGUAGE: Record<Locale, string> = {
  en: "en-GB",
  sv: "sv-SE",
  da: "da-DK",
  nb: "nb-NO",
  fi: "fi-FI",
  de: "de-DE",
  fr: "fr-FR",
  es: "es-ES",
  nl: "nl-NL",
};
/** One shopper only reads the FAQs, the other keeps one chat open across the languages. */
const READER = "demo-1002";
const CHATTER = "demo-1001";

let browser: Browser;
let admin: string;
let settingsBefore: Record<string, unknown>;
let faqId: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, admin] = await Promise.all([connectChromium(), signIn()]);
  settingsBefore = await ok(await http("/api/settings", { cookie: admin }));
  // Outside office hours, so the away notice shows; web chat on, for everyone.
  await ok(
    await http("/api/settings", {
      method: "PATCH",
      cookie: admin,
      json: { officeHours: { enabled: true, weekly: [], closedMessage: "Closed" }, webchatEnabled: true, loginStatus: "all" },
    }),
  );
  // Each demo shopper starts without an open chat (other files chat as them too).
  await Promise.all([READER, CHATTER].map(closeOpenChat));
  faqId = (
    await ok(await http("/api/faqs", { method: "POST", cookie: admin, json: { question: "Do you ship abroad?", answer: "Yes.", published: true } }), 201)
  ).id;
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await http(`/api/faqs/${faqId}`, { method: "DELETE", cookie: admin });
  const { officeHours, webchatEnabled, loginStatus } = settingsBefore;
  await ok(await http("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours, webchatEnabled, loginStatus } }));
});

/** Closes the demo shopper's open chat, if there is one, as an agent would. */
async function closeOpenChat(customerId: string) {
  const userHash = createHmac("sha256", inject("identitySecret")).update(customerId).digest("hex");
  const { token } = await ok(await http("/api/widget/session", { method: "POST", ip: uniqueIp(), json: { customer: { id: customerId }, userHash } }));
  const { ticket } = await ok(await http("/api/widget/conversations/active?missing=null", { token, ip: uniqueIp() }));
  if (ticket) await ok(await http(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }));
}

async function demoPage(language: string, customer: string, query = ""): Promise<Page> {
  const context = await browser.newContext({ locale: language, viewport: { width: 1280, height: 800 }, extraHTTPHeaders: { "CF-Connecting-IP": uniqueIp() } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${base()}/demo?as=${customer}${query}`);
  return page;
}

/** The launcher, in the panel's language once it has loaded its strings. */
async function launcherSays(page: Page, t: Messages) {
  await visible(ui(page).launcher);
  await attribute(ui(page).launcher, "aria-label", t.openChat);
}

describe("the widget speaks the browser's language on /demo", { timeout: 120_000 }, () => {
  for (const locale of LOCALES) {
    const t = MESSAGES[locale];
    it(`${BROWSER_LANGUAGE[locale]}: launcher, FAQs, away notice, composer and end-chat dialog in ${locale}`, async () => {
      const reader = await demoPage(BROWSER_LANGUAGE[locale], READER);
      const r = ui(reader);
      await launcherSays(reader, t);
      await r.launcher.click();
      await visible(r.panel);
      await text(r.panel.locator("h2"), t.panelTitle);
      await attribute(r.close, "aria-label", t.closeChat);
      await text(reader.locator('[data-parley="away-notice"]'), t.away);
      await text(reader.locator('[data-parley="faqs-title"]'), t.faqsTitle);
      await text(r.needHelp, t.needHelp);
      await attribute(r.host.locator(".parley"), "lang", locale);

      const chatter = await demoPage(BROWSER_LANGUAGE[locale], CHATTER);
      const c = ui(chatter);
      await launcherSays(chatter, t);
      await c.launcher.click();
      await visible(c.panel);
      // The first language starts the chat; the others find it open.
      if (locale === LOCALES[0]) {
        await c.needHelp.click();
        await visible(c.input);
        await c.input.fill("Hello from the language test");
        await c.send.click();
      }
      await visible(c.end);
      await attribute(c.input, "placeholder", t.placeholder);
      await attribute(c.input, "aria-label", t.inputLabel);
      await text(c.send, t.send);
      await text(c.end, t.endChat);
      await text(c.away, t.away);
      await text(chatter.locator('[data-parley="message"][data-author="customer"] .who').first(), t.you);
      await c.end.click();
      await visible(c.endDialog);
      await text(c.endDialog.locator("h3"), t.endConfirmTitle);
      await text(c.endDialog.locator("p"), t.endConfirmText);
      await text(c.endCancel, t.endCancel);
      await text(c.endConfirm, t.endConfirm);
      if (locale !== LOCALES.at(-1)) return c.endCancel.click();
      // The last language ends the chat, so the demo shopper is left as found.
      await c.endConfirm.click();
      await text(c.ended.locator("p"), t.ended);
      await text(c.newChat, t.newChat);
    });
  }
});

describe("which language wins", { timeout: 60_000 }, () => {
  it("the page's <html lang> outranks the browser's languages", async () => {
    const page = await demoPage("sv-SE", READER, "&lang=de-AT");
    await launcherSays(page, de);
  });

  it("a language the widget does not ship falls through to the browser's, then to English", async () => {
    await launcherSays(await demoPage("fi-FI", READER, "&lang=it"), fi);
    await launcherSays(await demoPage("pt-BR", READER, "&lang=it"), en);
  });

  it("the strings of only one language are downloaded", async () => {
    const context = await browser.newContext({ locale: "nb-NO", extraHTTPHeaders: { "CF-Connecting-IP": uniqueIp() } });
    contexts.push(context);
    const page = await context.newPage();
    const loaded: string[] = [];
    page.on("request", (request) => {
      const file = new URL(request.url()).pathname.match(/^\/widget\/([a-z]{2})-[\w-]+\.js$/);
      if (file) loaded.push(file[1]!);
    });
    await page.goto(`${base()}/demo?as=${READER}`);
    await launcherSays(page, nb);
    await ui(page).launcher.click();
    await visible(ui(page).panel);
    expect(loaded).toEqual(["nb"]);
  });
});
