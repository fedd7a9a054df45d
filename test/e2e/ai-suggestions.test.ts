// The AI agent as a shopper meets it in Chromium, when a question is in their own words: the
// returns FAQ comes back as the answer or as the first suggestion, a pick answers it, the
// answer says where it came from, and "That didn't help" hands the chat to a person.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "./browser";
import { http, ok, signIn, withSettings } from "./client";
import { freshCustomer, newContext, openStore, text, ui, visible } from "./widget-fixtures";

const chromium = useChromium();
let admin: string;
const created: string[] = [];

// The store writes its FAQs in English and Swedish.
const RETURNS = { question: "What is your return policy?", answer: "You can return unworn items within 30 days for a full refund." };
const RETURNS_SV = { question: "Vad gäller för returer?", answer: "Du kan returnera oanvända plagg inom 30 dagar och få full återbetalning." };
const FAQS = [
  { ...RETURNS, translations: { sv: RETURNS_SV } },
  {
    question: "How long does delivery take?",
    answer: "Orders arrive in 2 to 4 working days within Sweden and 3 to 7 days in the rest of the EU.",
    translations: {
      sv: { question: "Hur lång är leveranstiden?", answer: "Beställningar levereras inom 2–4 arbetsdagar i Sverige och inom 3–7 dagar i övriga EU." },
    },
  },
  {
    question: "Can I exchange an item for another size?",
    answer: "Yes, exchanges are free within 30 days: start one from your order page.",
    translations: {
      sv: { question: "Kan jag byta ett plagg mot en annan storlek?", answer: "Ja, byten är kostnadsfria inom 30 dagar – starta ett byte från din ordersida." },
    },
  },
];
const AI_ON = { ai: { enabled: true, provider: "builtin", handoff: "inbox", handoffMessage: "Let me get you a person from our team.", maxTurns: 3 } };

beforeAll(async () => {
  admin = await signIn();
  await ok(
    await http("/api/settings", { method: "PATCH", cookie: admin, json: { translations: { sv: { handoffMessage: "Jag hämtar en kollega åt dig." } } } }),
  );
  for (const faq of FAQS) created.push((await ok(await http("/api/faqs", { method: "POST", cookie: admin, json: { ...faq, published: true } }), 201)).id);
});

afterAll(async () => {
  await http("/api/settings", { method: "PATCH", cookie: admin, json: { translations: { sv: { handoffMessage: null } } } });
  for (const id of created) await http(`/api/faqs/${id}`, { method: "DELETE", cookie: admin });
});

async function ask(page: Page, question: string) {
  const w = ui(page);
  await w.launcher.click();
  await w.needHelp.click();
  // The AI decides in milliseconds: every typing line the panel shows is recorded as it shows.
  await page.evaluate(() => {
    const root = document.querySelector("#parley-widget")!.shadowRoot!;
    const seen: string[] = ((window as unknown as { typingSeen: string[] }).typingSeen = []);
    new MutationObserver(() => {
      const line = root.querySelector('[data-parley="typing"]')?.textContent;
      if (line && !seen.includes(line)) seen.push(line);
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
  await w.input.fill(question);
  await w.input.press("Enter");
}

/** What a shopper in `locale` sees of it, in their language (the widget's own strings, the store's FAQ). */
const SHOPPERS = {
  "en-GB": {
    question: "Can I return it if it doesn't fit?",
    faq: RETURNS,
    typing: "AI assistant is typing…",
    source: `Source: ${RETURNS.question}`,
    handoff: "Let me get you a person from our team.",
  },
  "sv-SE": {
    question: "Kan jag returnera den om den inte passar?",
    faq: RETURNS_SV,
    typing: "AI-assistent skriver…",
    source: `Källa: ${RETURNS_SV.question}`,
    handoff: "Jag hämtar en kollega åt dig.",
  },
};

describe("the AI agent in the shopper's words", { timeout: 60_000 }, () => {
  it.each(Object.entries(SHOPPERS))(
    '%s: the returns FAQ answers "can I return it if it doesn\'t fit?" (or comes first among suggestions), says so, and "That didn\'t help" hands off',
    async (locale, shopper) => {
      await withSettings(admin, AI_ON, async () => {
        // A store page in the shopper's language, in a browser in it.
        const context = await chromium.keep(newContext(chromium.browser, locale));
        const page = await openStore(context, freshCustomer(`ai-returns-${locale}`), locale);
        await ask(page, shopper.question);
        const reply = page.locator('[data-parley="message"][data-author="bot"][data-ai="true"]').first();
        await visible(reply, 10_000);
        // While it decided, the AI was typing, by its name in the shopper's language.
        expect(await page.evaluate(() => (window as unknown as { typingSeen: string[] }).typingSeen)).toEqual([shopper.typing]);

        const suggestions = page.locator('button[data-parley="suggestion"]');
        if ((await suggestions.count()) > 0) {
          // Not sure enough to answer: the returns FAQ is the first suggestion, and a person is offered too.
          await text(suggestions.first(), shopper.faq.question);
          await visible(page.locator('[data-parley="suggestion-person"]'));
          await suggestions.first().click();
          await page.locator('[data-parley="suggestions"]').waitFor({ state: "detached" });
        }
        const answer = ui(page).messageWithBody(shopper.faq.answer);
        await visible(answer, 10_000);
        await text(answer.locator('[data-parley="source"]'), shopper.source);

        const unhelpful = page.locator('[data-parley="not-helpful"]');
        await visible(unhelpful);
        await unhelpful.click();
        await visible(ui(page).messageWithBody(shopper.handoff), 10_000);
        await unhelpful.waitFor({ state: "detached" });
        expect(await page.locator('[data-parley="suggestion"]').count()).toBe(0);
      });
    },
  );
});
