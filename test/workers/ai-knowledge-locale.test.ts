// The AI agent reads the store's knowledge in the shopper's locale: each FAQ and article in it
// where the store wrote a translation, else in its default text, one version each. Through the
// settings' "try it" (POST /api/ai/try {locale}) and through `decide`, as a conversation asks.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Locale, MessageT, SettingsT } from "../../contract";
import { db } from "../../worker/db/client";
import { decide } from "../../worker/lib/ai/agent";
import { call, expectError, json, login } from "./helpers";

let admin: string;

const DELIVERY = {
  question: "How long does delivery take?",
  answer: "Delivery takes 1–3 business days.",
  sv: { question: "Hur lång tid tar leveransen?", answer: "Leveransen tar 1–3 arbetsdagar." },
};
const KLARNA = { question: "Can I pay with Klarna?", answer: "Yes: choose Klarna invoice or instalments at checkout." };
const WOOL = {
  title: "Caring for wool",
  body: "Wash wool by hand in cold water with a wool detergent.",
  sv: { title: "Sköta ull", body: "Tvätta ull för hand i kallt vatten med ett ulltvättmedel." },
};

beforeAll(async () => {
  admin = await login();
  const add = async (path: string, item: unknown) => json(await call(path, { method: "POST", cookie: admin, json: item }), 201);
  await add("/api/faqs", { question: DELIVERY.question, answer: DELIVERY.answer, published: true, translations: { sv: DELIVERY.sv } });
  await add("/api/faqs", { ...KLARNA, published: true });
  await add("/api/articles", { title: WOOL.title, body: WOOL.body, translations: { sv: WOOL.sv } });
});

const tryIt = async (question: string, locale?: Locale) =>
  json(await call("/api/ai/try", { method: "POST", cookie: admin, json: locale ? { question, locale } : { question } }), 200);

describe("the AI agent answers from the knowledge in the shopper's locale", () => {
  it("gives a Swedish shopper who asks in Swedish the Swedish version of a FAQ that has one, as its only version", async () => {
    const answered = await tryIt("Hur lång tid tar leveransen?", "sv");
    expect(answered).toMatchObject({ decision: "answer", text: DELIVERY.sv.answer });
    expect(answered.sources[0]).toMatchObject({ kind: "faq", title: DELIVERY.sv.question });
    // One passage per FAQ: its English text is not among what was weighed.
    const titles = answered.candidates.map((candidate: { title: string }) => candidate.title);
    expect(titles).toContain(DELIVERY.sv.question);
    expect(titles).not.toContain(DELIVERY.question);
  });

  it("gives a Swedish shopper the English version of a FAQ that has no Swedish one", async () => {
    expect(await tryIt("Går det med Klarna?", "sv")).toMatchObject({ decision: "answer", text: KLARNA.answer });
  });

  it("answers from an article's Swedish version for a Swedish shopper", async () => {
    const answered = await tryIt("Hur tvättar jag ull?", "sv");
    expect(answered).toMatchObject({ decision: "answer", text: WOOL.sv.body });
    expect(answered.sources[0]).toMatchObject({ kind: "article", title: WOOL.sv.title });
  });

  it("gives an English shopper, and one of no known locale, the English versions", async () => {
    for (const locale of ["en", undefined] as const) {
      expect(await tryIt("How long does delivery take?", locale)).toMatchObject({ decision: "answer", text: DELIVERY.answer });
      expect(await tryIt("How do I wash wool?", locale)).toMatchObject({ decision: "answer", text: WOOL.body });
    }
    // A Danish shopper reads the default where the store wrote no Danish.
    expect(await tryIt("How long does delivery take?", "da")).toMatchObject({ decision: "answer", text: DELIVERY.answer });
  });

  it("refuses a locale Parley does not ship", async () => {
    await expectError(await call("/api/ai/try", { method: "POST", cookie: admin, json: { question: "Hej", locale: "it" } }), 400, "invalid_request");
    await expectError(await call("/api/ai/try", { method: "POST", cookie: admin, json: { question: "Hej", locale: "sv-SE" } }), 400, "invalid_request");
  });

  it("decides in a conversation's locale", async () => {
    const settings = await json<SettingsT>(await call("/api/settings", { cookie: admin }), 200);
    const asked: MessageT = {
      seq: 1,
      id: "msg_locale_test",
      clientId: null,
      author: { kind: "customer", id: null, name: null },
      body: "Hur lång tid tar leveransen?",
      attachments: [],
      createdAt: new Date().toISOString(),
    };
    const inLocale = async (locale: Locale | null) => {
      const { decision } = await decide({
        env,
        database: db(env.DB),
        ai: settings.ai,
        profileId: "pro_nobody",
        history: [],
        unanswered: [asked],
        turns: 0,
        locale,
      });
      return decision.kind === "answer" ? decision.text : decision.kind;
    };
    expect(await inLocale("sv")).toBe(DELIVERY.sv.answer);
    // Without the Swedish locale only the English FAQ is there, which a Swedish question doesn't match well enough.
    expect(await inLocale(null)).not.toBe(DELIVERY.sv.answer);
  });
});
