// FAQs and articles in shoppers' languages, edited in the inbox's Settings in a real browser
// (Debian's Chromium via playwright-core) against `npm start`, and checked where they count: the
// admin API, the widget's FAQs in that language, and the AI agent's "try it" in it. The e2e files
// share one server, so everything here is named with this run's mark and deleted afterwards.
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ArticleT, FaqT } from "../../contract";
import { http, ok } from "./client";
import { cookie, id, page, run, useSettingsPage } from "./inbox-settings-setup";
import { base } from "./widget-fixtures";

useSettingsPage();

const listed = async <T extends { id: string }>(plural: "faqs" | "articles", itemId: string) =>
  ((await ok(await http(`/api/${plural}`, { cookie })))[plural] as T[]).find((item) => item.id === itemId);
const widgetFaq = async (faqId: string, query = "") => ((await ok(await http(`/api/widget/config${query}`))).faqs as FaqT[]).find((faq) => faq.id === faqId);

async function openSection(section: string) {
  await page.goto(`${base()}/settings/${section}`);
  await id(`settings-section-${section}`).waitFor();
}

/** Opens a form's "In other languages" and picks a language by its name. */
async function pickLanguage(form: Locator, kind: "faq" | "article", name: string) {
  const versions = form.getByTestId(`${kind}-translations`);
  if (!(await versions.evaluate((details) => (details as HTMLDetailsElement).open))) await versions.locator("summary").click();
  await form.getByTestId(`${kind}-translation-locale`).selectOption({ label: name });
}

describe("FAQs and articles in shoppers' languages, in the inbox's Settings", { timeout: 90_000 }, () => {
  it("adds, edits and removes an FAQ's versions: the widget answers each language's, a refused one says why and changes nothing", async () => {
    const question = `Can I pay by invoice? (${run})`;
    const answer = "Yes, with Klarna: you pay within 30 days.";
    const swedish = { question: `Kan jag betala mot faktura? (${run})`, answer: "Ja, med Klarna: du betalar inom 30 dagar." };
    const danish = { question: `Kan jeg betale med faktura? (${run})`, answer: "Ja, med Klarna: du betaler inden for 30 dage." };

    await openSection("faqs");
    const added = id("faq-new");
    await added.getByTestId("faq-question").fill(question);
    await added.getByTestId("faq-answer").fill(answer);
    await pickLanguage(added, "faq", "Svenska");
    // The language's fields say what they are and show the default text until written.
    const swedishQuestion = added.getByTestId("faq-translation-question");
    expect(await swedishQuestion.getAttribute("placeholder")).toBe(question);
    expect(await page.getByLabel("Question in Svenska").getAttribute("data-testid")).toBe("faq-translation-question");
    await swedishQuestion.fill(swedish.question);
    await added.getByTestId("faq-translation-answer").fill(`  ${swedish.answer}  `);
    await added.getByTestId("faq-add").click();
    await added.getByTestId("faq-added").waitFor();

    const faqId = ((await ok(await http("/api/faqs", { cookie }))).faqs as FaqT[]).find((faq) => faq.question === question)!.id;
    expect((await listed<FaqT>("faqs", faqId))?.translations).toEqual({ sv: swedish });
    expect(await widgetFaq(faqId, "?locale=sv-SE")).toEqual({ id: faqId, ...swedish });
    expect(await widgetFaq(faqId)).toEqual({ id: faqId, question, answer });
    // The form is blank again, its versions too.
    expect(await added.getByTestId("faq-question").inputValue()).toBe("");
    expect(await added.getByTestId("faq-translation-question").inputValue()).toBe("");

    const row = page.locator(`[data-testid="faq-item"][data-faq-id="${faqId}"]`);
    expect(await row.getByTestId("faq-translations").locator("summary").textContent()).toContain("Svenska");

    // Danish with only a question: refused beside the missing answer, and nothing changes.
    await pickLanguage(row, "faq", "Dansk");
    expect(await row.getByTestId("faq-translation-question").inputValue()).toBe("");
    await row.getByTestId("faq-translation-question").fill(danish.question);
    await row.getByTestId("faq-save").click();
    const missing = row.getByTestId("error-translations.da.answer");
    await missing.waitFor();
    expect(await row.getByTestId("faq-translation-answer").getAttribute("aria-invalid")).toBe("true");
    expect((await listed<FaqT>("faqs", faqId))?.translations).toEqual({ sv: swedish });

    await row.getByTestId("faq-translation-answer").fill(danish.answer);
    await row.getByTestId("faq-save").click();
    await row.getByTestId("faq-saved").waitFor();
    expect((await listed<FaqT>("faqs", faqId))?.translations).toEqual({ sv: swedish, da: danish });
    expect(await widgetFaq(faqId, "?locale=da")).toEqual({ id: faqId, ...danish });

    // A refused text of another language than the one shown: the form shows that language, with the error.
    await pickLanguage(row, "faq", "Svenska");
    await row.getByTestId("faq-translation-answer").fill("");
    await pickLanguage(row, "faq", "Dansk");
    await row.getByTestId("faq-save").click();
    await row.getByTestId("error-translations.sv.answer").waitFor();
    expect(await row.getByTestId("faq-translation-locale").inputValue()).toBe("sv");
    expect((await listed<FaqT>("faqs", faqId))?.translations).toEqual({ sv: swedish, da: danish });

    // Emptied, the Swedish version is removed: Swedish shoppers read the default again.
    await row.getByTestId("faq-translation-question").fill("");
    await row.getByTestId("faq-save").click();
    await row.getByTestId("faq-saved").waitFor();
    expect((await listed<FaqT>("faqs", faqId))?.translations).toEqual({ da: danish });
    expect(await widgetFaq(faqId, "?locale=sv")).toEqual({ id: faqId, question, answer });

    // After a reload the form shows what the server kept.
    await page.reload();
    await id("settings-section-faqs").waitFor();
    const reloaded = page.locator(`[data-testid="faq-item"][data-faq-id="${faqId}"]`);
    expect(await reloaded.getByTestId("faq-translations").locator("summary").textContent()).toMatch(/: Dansk\s*$/);
    await pickLanguage(reloaded, "faq", "Dansk");
    expect(await reloaded.getByTestId("faq-translation-answer").inputValue()).toBe(danish.answer);
  });

  it("gives an article a Norwegian version, which the AI agent answers a Norwegian shopper from", async () => {
    const title = `Caring for alpaca wool (${run})`;
    const body = "Wash alpaca wool by hand in lukewarm water, then dry it flat.";
    const norwegian = { title: `Stell av alpakkaull (${run})`, body: "Vask alpakkaull for hånd i lunkent vann, og tørk den flatt." };

    await openSection("knowledge");
    const added = id("article-new");
    await added.getByTestId("article-title").fill(title);
    await added.getByTestId("article-body").fill(body);
    await pickLanguage(added, "article", "Norsk bokmål");
    expect(await added.getByTestId("article-translation-body").getAttribute("placeholder")).toBe(body);
    await added.getByTestId("article-translation-title").fill(norwegian.title);
    await added.getByTestId("article-translation-body").fill(norwegian.body);
    await added.getByTestId("article-add").click();
    await added.getByTestId("article-added").waitFor();
    const articleId = ((await ok(await http("/api/articles", { cookie }))).articles as ArticleT[]).find((article) => article.title === title)!.id;
    expect((await listed<ArticleT>("articles", articleId))?.translations).toEqual({ nb: norwegian });

    // The AI agent's "try it", as a Norwegian shopper: the answer is the Norwegian version.
    await openSection("ai");
    await id("ai-try-question").fill("Hvordan vasker jeg alpakkaull?");
    await id("ai-try-locale").selectOption({ label: "Norsk bokmål" });
    await id("ai-try-ask").click();
    await id("ai-try-done").waitFor();
    expect(await id("ai-try-answer").textContent()).toBe(norwegian.body);

    // The version removed, the article is English again for everyone.
    await openSection("knowledge");
    const row = page.locator(`[data-testid="article-item"][data-article-id="${articleId}"]`);
    await pickLanguage(row, "article", "Norsk bokmål");
    await row.getByTestId("article-translation-title").fill("");
    await row.getByTestId("article-translation-body").fill("");
    await row.getByTestId("article-save").click();
    await row.getByTestId("article-saved").waitFor();
    expect((await listed<ArticleT>("articles", articleId))?.translations).toEqual({});
  });
});
