// FAQs and articles in shoppers' languages (contract/knowledge.ts `translations`): stored and
// answered by the admin API, a whole map replaced by a PATCH that names it, refused as a whole
// when any of it is bad; and the widget's FAQs in the shopper's locale where a FAQ has it.
import { beforeAll, describe, expect, it } from "vitest";
import type { ArticleT, FaqT } from "../../contract";
import { call, expectError, json, login } from "./helpers";

let admin: string;

beforeAll(async () => {
  admin = await login();
});

const send = (method: string, path: string, body: unknown) => call(path, { method, cookie: admin, json: body });
const faqs = async () => (await json<{ faqs: FaqT[] }>(await call("/api/faqs", { cookie: admin }), 200)).faqs;
const articles = async () => (await json<{ articles: ArticleT[] }>(await call("/api/articles", { cookie: admin }), 200)).articles;
const widgetFaqs = async (query = "") => (await json(await call(`/api/widget/config${query}`), 200)).faqs as Array<Pick<FaqT, "id" | "question" | "answer">>;

const RETURNS = { question: "Can I return an item?", answer: "Yes, within 30 days." };
const RETURNS_SV = { question: "Kan jag returnera en vara?", answer: "Ja, inom 30 dagar." };
const RETURNS_DA = { question: "Kan jeg returnere en vare?", answer: "Ja, inden for 30 dage." };

describe("FAQ translations", () => {
  it("are stored and answered on create, kept by a PATCH that leaves them out, and replaced whole by one that names them", async () => {
    const created = await json<FaqT>(
      await send("POST", "/api/faqs", {
        ...RETURNS,
        published: true,
        translations: { sv: { question: `  ${RETURNS_SV.question} `, answer: RETURNS_SV.answer } },
      }),
      201,
    );
    expect(created.translations).toEqual({ sv: RETURNS_SV });
    expect((await faqs()).find((faq) => faq.id === created.id)?.translations).toEqual({ sv: RETURNS_SV });

    const answerOnly = await json<FaqT>(await send("PATCH", `/api/faqs/${created.id}`, { answer: "Yes, within 30 days of delivery." }), 200);
    expect(answerOnly.translations).toEqual({ sv: RETURNS_SV });

    const replaced = await json<FaqT>(await send("PATCH", `/api/faqs/${created.id}`, { translations: { da: RETURNS_DA } }), 200);
    expect(replaced.translations).toEqual({ da: RETURNS_DA });
    const emptied = await json<FaqT>(await send("PATCH", `/api/faqs/${created.id}`, { translations: {} }), 200);
    expect(emptied.translations).toEqual({});
    expect((await json<FaqT>(await send("POST", "/api/faqs", { ...RETURNS, published: false }), 201)).translations).toEqual({});
  });

  it("refuses a bad locale key, an empty or missing text and an unknown field with a 400 that changes nothing", async () => {
    const faq = await json<FaqT>(await send("POST", "/api/faqs", { ...RETURNS, published: true, translations: { sv: RETURNS_SV } }), 201);
    const before = await faqs();
    const refused: Array<[unknown, RegExp]> = [
      [{ it: RETURNS_SV }, /translations.*it/],
      [{ "sv-SE": RETURNS_SV }, /translations.*sv-SE/],
      [{ SV: RETURNS_SV }, /translations.*SV/],
      [{ da: RETURNS_DA, sv: { question: "   ", answer: RETURNS_SV.answer } }, /^translations\.sv\.question: /],
      [{ sv: { question: RETURNS_SV.question } }, /^translations\.sv\.answer: /],
      [{ sv: { ...RETURNS_SV, title: "A title" } }, /translations\.sv/],
      [{ sv: "Kan jag returnera?" }, /^translations\.sv: /],
    ];
    for (const [translations, message] of refused) {
      const patched = await expectError(await send("PATCH", `/api/faqs/${faq.id}`, { translations }), 400, "invalid_request");
      expect(patched.message, JSON.stringify(translations)).toMatch(message);
      await expectError(await send("POST", "/api/faqs", { ...RETURNS, published: true, translations }), 400, "invalid_request");
    }
    // Nor does a bad translation let the rest of a PATCH through.
    await expectError(await send("PATCH", `/api/faqs/${faq.id}`, { question: "Changed?", translations: { it: RETURNS_SV } }), 400, "invalid_request");
    expect(await faqs()).toEqual(before);
  });
});

describe("article translations", () => {
  const CARE = { title: "Caring for wool", body: "Wash wool by hand in cold water." };
  const CARE_NB = { title: "Stell av ull", body: "Vask ull for hånd i kaldt vann." };
  const CARE_FI = { title: "Villan hoito", body: "Pese villa käsin kylmässä vedessä." };

  it("are stored, replaced whole by a PATCH, and a bad one is a 400 that changes nothing", async () => {
    const created = await json<ArticleT>(await send("POST", "/api/articles", { ...CARE, translations: { nb: CARE_NB } }), 201);
    expect(created.translations).toEqual({ nb: CARE_NB });
    const replaced = await json<ArticleT>(await send("PATCH", `/api/articles/${created.id}`, { translations: { fi: CARE_FI } }), 200);
    expect(replaced.translations).toEqual({ fi: CARE_FI });
    expect((await json<ArticleT>(await send("PATCH", `/api/articles/${created.id}`, { body: "Hand wash, cold." }), 200)).translations).toEqual({ fi: CARE_FI });

    const before = await articles();
    for (const translations of [
      { no: CARE_NB },
      { nb: { title: "", body: CARE_NB.body } },
      { nb: { title: CARE_NB.title, body: " \n " } },
      { nb: { title: CARE_NB.title } },
    ]) {
      await expectError(await send("PATCH", `/api/articles/${created.id}`, { translations }), 400, "invalid_request");
      await expectError(await send("POST", "/api/articles", { ...CARE, translations }), 400, "invalid_request");
    }
    expect(await articles()).toEqual(before);
  });
});

describe("the widget's FAQs in the shopper's locale", () => {
  it("answers each published FAQ in the locale where it has that translation, else in its default text, in the admins' order", async () => {
    for (const faq of await faqs()) await send("DELETE", `/api/faqs/${faq.id}`, undefined);
    const add = async (input: Record<string, unknown>) => json<FaqT>(await send("POST", "/api/faqs", input), 201);
    const returns = await add({ ...RETURNS, published: true, translations: { sv: RETURNS_SV, da: RETURNS_DA } });
    const sizes = await add({ question: "What size am I?", answer: "See the size guide.", published: true });
    await add({ question: "A draft", answer: "Not yet.", published: false, translations: { sv: { question: "Ett utkast", answer: "Inte än." } } });

    const inDefault = [
      { id: returns.id, ...RETURNS },
      { id: sizes.id, question: "What size am I?", answer: "See the size guide." },
    ];
    const inSwedish = [{ id: returns.id, ...RETURNS_SV }, inDefault[1]];
    expect(await widgetFaqs()).toEqual(inDefault);
    expect(await widgetFaqs("?locale=sv")).toEqual(inSwedish);
    expect(await widgetFaqs("?locale=sv-SE")).toEqual(inSwedish);
    expect(await widgetFaqs("?locale=da")).toEqual([{ id: returns.id, ...RETURNS_DA }, inDefault[1]]);
    // A shipped locale the FAQs are not written in, and a language Parley doesn't ship: the defaults.
    expect(await widgetFaqs("?locale=de")).toEqual(inDefault);
    expect(await widgetFaqs("?locale=it")).toEqual(inDefault);
    await expectError(await call("/api/widget/config?locale=not%20a%20tag"), 400, "invalid_request");
  });
});
