// Semantic ranking with Workers AI embeddings: the client at the binding, the vectors stored with
// the knowledge when it is saved through the API, and ranking by meaning fused with BM25.
//
// Workers AI has no local mode, so a stand-in takes the binding's place. It speaks the catalog's
// documented text-embeddings shape (`run(model, {text: string[]})` → `{shape: [n, dims], data}`,
// at most 100 non-empty texts) and computes each vector from the text alone: a word's first four
// letters stand in for its meaning ("water" is near "waterproof", as a real model puts them),
// hashed into 1,024 dimensions, plus one direction every text shares, so that unrelated texts sit
// at a cosine of about 0.37 as bge-m3's do (about 0.35), not at 0.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { FaqT } from "../../contract";
import { app } from "../../worker/index";
import { db } from "../../worker/db/client";
import { knowledgeEmbeddings } from "../../worker/db/schema";
import { sha256Hex } from "../../worker/lib/crypto";
import { decodeVector, readEmbeddings } from "../../worker/lib/ai/embedding-store";
import { EmbeddingError, embedderFor, MAX_BATCH_CHARS, WorkersAiEmbedder, type TextEmbeddingBinding } from "../../worker/lib/ai/embeddings";
import { articlePassages, faqPassage, rankPassages } from "../../worker/lib/ai/retrieval";
import { rankByMeaning } from "../../worker/lib/ai/semantic";
import { BASE, catchWarnings, freshIp, json, login } from "./helpers";

const MODEL = "@cf/baai/bge-m3";
const DIMS = 1024;
const SHARED = Math.sqrt(0.6);

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return hash;
}

function standInVector(text: string): number[] {
  const vector = new Array<number>(DIMS).fill(0);
  for (const word of (text.toLowerCase().match(/[\p{L}\d]+/gu) ?? []).filter((w) => w.length > 3)) vector[1 + (fnv1a(word.slice(0, 4)) % (DIMS - 1))]! += 1;
  const words = Math.hypot(...vector) || 1;
  const shaped = vector.map((x, i) => (i === 0 ? SHARED : x / words));
  const length = Math.hypot(...shaped);
  return shaped.map((x) => x / length);
}

type Scripted = ((text: string[]) => Promise<unknown>) | null;

/**
 * The Workers AI binding as the catalog documents it, for text embeddings. `script` answers the
 * next calls in turn instead (a hold, an error, a malformed answer); null answers as documented.
 */
class WorkersAiStandIn implements TextEmbeddingBinding {
  readonly calls: { model: string; text: string[] }[] = [];
  script: Scripted[] = [];

  async run(model: string, inputs: { text: string[] }): Promise<unknown> {
    const { text } = inputs;
    if (!Array.isArray(text) || text.length === 0 || text.length > 100 || text.some((t) => typeof t !== "string" || t.length === 0)) {
      throw new Error("5006: Error: required properties at '/' are 'text'");
    }
    this.calls.push({ model, text });
    const scripted = this.script.shift();
    if (scripted) return scripted(text);
    return { shape: [text.length, DIMS], data: text.map(standInVector), pooling: "cls" };
  }

  /** The texts embedded since the last call of this. */
  takeTexts(): string[] {
    return this.calls.splice(0).flatMap((call) => call.text);
  }
}

describe("WorkersAiEmbedder at the Workers AI binding", () => {
  it("takes the binding's type (env.AI)", () => {
    expectTypeOf<Ai>().toExtend<TextEmbeddingBinding>();
  });

  it("batches at the documented 100 texts per call, and returns the vectors in order", async () => {
    const ai = new WorkersAiStandIn();
    const texts = Array.from({ length: 230 }, (_, i) => `Question number ${i} about wool socks`);
    const vectors = await new WorkersAiEmbedder(ai, MODEL).embed(texts);
    expect(ai.calls.map((call) => call.text.length)).toEqual([100, 100, 30]);
    expect(ai.calls.every((call) => call.model === MODEL)).toBe(true);
    expect(vectors).toHaveLength(230);
    expect(vectors[173]).toEqual(Float32Array.from(standInVector(texts[173]!)));
  });

  it("batches long texts by characters too, so a call stays within the model's context", async () => {
    const ai = new WorkersAiStandIn();
    const long = "Merino wool keeps you warm. ".repeat(Math.ceil(MAX_BATCH_CHARS / 2 / 28));
    await new WorkersAiEmbedder(ai, MODEL).embed([long, long, long, "short"]);
    expect(ai.calls.map((call) => call.text.length)).toEqual([1, 1, 2]);
  });

  it.each([
    ["nothing", null, /answered null, not the \{shape, data\}/],
    ["the async queue's answer", { request_id: "req-1" }, /answered an object with request_id, not the \{shape, data\}/],
    ["the query-and-contexts form", { response: [[0.1, 0.2]], shape: [1, 2] }, /answered an object with response, shape, not/],
    ["too few vectors", { shape: [2, 3], data: [[1, 2, 3]] }, /answered 1 vectors \(shape \[2,3\]\) for 2 texts/],
    ["a shape that does not match", { shape: [2], data: [[1], [2]] }, /answered the shape \[2\]/],
    [
      "a vector of the wrong length",
      {
        shape: [2, 3],
        data: [
          [1, 2, 3],
          [1, 2],
        ],
      },
      /vector 1 has 2 numbers, not 3/,
    ],
    [
      "a vector that is not numbers",
      {
        shape: [2, 2],
        data: [
          [1, 2],
          [1, "2"],
        ],
      },
      /vector 1 is not all numbers/,
    ],
  ])("fails clearly on %s", async (_, answer, message) => {
    const ai = new WorkersAiStandIn();
    ai.script = [async () => answer];
    const failure = new WorkersAiEmbedder(ai, MODEL).embed(["one", "two"]);
    await expect(failure).rejects.toThrow(EmbeddingError);
    await expect(failure).rejects.toThrow(message);
  });

  it("fails clearly when the binding throws, or the vectors' length changes between batches", async () => {
    const ai = new WorkersAiStandIn();
    ai.script = [() => Promise.reject(new Error("3040: Capacity temporarily exceeded"))];
    await expect(new WorkersAiEmbedder(ai, MODEL).embed(["one"])).rejects.toThrow(`${MODEL} failed: 3040: Capacity temporarily exceeded`);

    // The first batch answers as documented, the second with shorter vectors.
    ai.script = [null, async () => ({ shape: [1, 3], data: [[0.1, 0.2, 0.3]] })];
    const texts = Array.from({ length: 101 }, (_, i) => `text ${i}`);
    await expect(new WorkersAiEmbedder(ai, MODEL).embed(texts)).rejects.toThrow(`${MODEL} changed its vectors' length from 1024 to 3 between batches`);
  });

  it("is there only when semantic ranking is on and the Worker has the binding", () => {
    const ai = new WorkersAiStandIn();
    expect(embedderFor({ AI: ai }, { enabled: false, model: MODEL })).toBeNull();
    expect(embedderFor({}, { enabled: true, model: MODEL })).toBeNull();
    expect(embedderFor({ AI: ai }, { enabled: true, model: MODEL })).toMatchObject({ model: MODEL });
  });
});

let admin: string;
const ai = new WorkersAiStandIn();

/**
 * An admin's request to the Worker, with `binding` as its AI binding (null: none, as offline).
 * `response` is what the client gets; `settled` resolves once the work the Worker left for after
 * the response (waitUntil) is done too.
 */
function send(method: string, path: string, body?: unknown, binding: TextEmbeddingBinding | null = ai) {
  const ctx = createExecutionContext();
  const headers = { Cookie: admin, "Content-Type": "application/json", "CF-Connecting-IP": freshIp() };
  const request = new Request(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const response = Promise.resolve(app.fetch(request, { ...env, AI: binding ?? undefined }, ctx));
  return { response, settled: response.then(() => waitOnExecutionContext(ctx)) };
}

async function settled(method: string, path: string, body?: unknown, binding?: TextEmbeddingBinding | null) {
  const sent = send(method, path, body, binding);
  await sent.settled;
  return sent.response;
}

const setSemantic = async (semantic: { enabled?: boolean; model?: string }) => json(await settled("PATCH", "/api/settings", { ai: { semantic } }), 200);

async function storedRows(sourceId: string) {
  return db(env.DB)
    .select()
    .from(knowledgeEmbeddings)
    .where(eq(knowledgeEmbeddings.sourceId, sourceId))
    .orderBy(asc(knowledgeEmbeddings.locale), asc(knowledgeEmbeddings.passage));
}

const returns = { question: "What is your return policy?", answer: "You can return unworn items within 30 days for a full refund." };
const returnsSv = { question: "Hur returnerar jag en vara?", answer: "Du kan returnera oanvända varor inom 30 dagar och få pengarna tillbaka." };
const paragraph = (topic: string) =>
  `${topic} is knitted from fine merino wool that keeps you warm in winter and cool in summer, and it can be washed by hand in cold water.`;
const article = { title: "Caring for merino", body: [paragraph("The crew sweater"), paragraph("The cardigan"), paragraph("The beanie")].join("\n\n") };
const articleSv = {
  title: "Skötsel av merino",
  body: "Tvätta merinoull för hand i kallt vatten med ett ullmedel, och torka plagget plant, borta från direkt värme, så att det behåller formen.",
};

describe("vectors stored with the knowledge, through the API", () => {
  beforeAll(async () => {
    admin = await login();
    await setSemantic({ enabled: true, model: MODEL });
    ai.takeTexts();
  });

  it("embeds a saved FAQ after the response: one vector per language version, of question and answer", async () => {
    let release!: () => void;
    ai.script = [(text) => new Promise((resolve) => (release = () => resolve({ shape: [text.length, DIMS], data: text.map(standInVector) })))];
    const sent = send("POST", "/api/faqs", { ...returns, published: true, translations: { sv: returnsSv } });
    // Saving answers while the embedding call is still out.
    const faq = await json<FaqT>(await sent.response, 201);
    await expect.poll(() => ai.calls.length).toBe(1);
    expect(await storedRows(faq.id)).toEqual([]);
    release();
    await sent.settled;

    const texts = [`${returns.question}\n${returns.answer}`, `${returnsSv.question}\n${returnsSv.answer}`];
    expect(ai.takeTexts()).toEqual(texts);
    const rows = await storedRows(faq.id);
    expect(rows.map(({ kind, locale, passage, model, textHash }) => ({ kind, locale, passage, model, textHash }))).toEqual([
      { kind: "faq", locale: "", passage: 0, model: MODEL, textHash: await sha256Hex(texts[0]!) },
      { kind: "faq", locale: "sv", passage: 0, model: MODEL, textHash: await sha256Hex(texts[1]!) },
    ]);
    expect(decodeVector(rows[1]!.vector)).toEqual(Float32Array.from(standInVector(texts[1]!)));
  });

  it("embeds each passage of an article, in each language version, split as the ranker splits it", async () => {
    const saved = await json(await settled("POST", "/api/articles", { ...article, translations: { sv: articleSv } }), 201);
    const passages = articlePassages({ id: saved.id, ...article });
    expect(passages).toHaveLength(3);
    expect(ai.takeTexts()).toEqual([...passages, ...articlePassages({ id: saved.id, ...articleSv })].map((p) => `${p.title}\n${p.text}`));
    expect((await storedRows(saved.id)).map(({ locale, passage }) => `${locale}:${passage}`)).toEqual([":0", ":1", ":2", "sv:0"]);
  });

  it("embeds only what changed: nothing for a change beside the text, one translation for its edit, and drops a removed one", async () => {
    const faq = await json<FaqT>(
      await settled("POST", "/api/faqs", { question: "Do you sell gift cards?", answer: "Yes, from 200 SEK.", published: true }),
      201,
    );
    ai.takeTexts();
    const before = await storedRows(faq.id);

    await json(await settled("PATCH", `/api/faqs/${faq.id}`, { published: false, position: 40 }), 200);
    expect(ai.takeTexts()).toEqual([]);
    expect(await storedRows(faq.id)).toEqual(before);

    const sv = { question: "Säljer ni presentkort?", answer: "Ja, från 200 kronor." };
    await json(await settled("PATCH", `/api/faqs/${faq.id}`, { translations: { sv } }), 200);
    expect(ai.takeTexts()).toEqual([`${sv.question}\n${sv.answer}`]);
    const withSv = await storedRows(faq.id);
    expect(withSv.map((row) => row.locale)).toEqual(["", "sv"]);
    expect(withSv[0]).toEqual(before[0]);

    await json(await settled("PATCH", `/api/faqs/${faq.id}`, { translations: {} }), 200);
    expect(ai.takeTexts()).toEqual([]);
    expect(await storedRows(faq.id)).toEqual(before);
  });

  it("deletes a deleted FAQ's or article's vectors", async () => {
    const faq = await json(await settled("POST", "/api/faqs", { question: "Can I pay by invoice?", answer: "Yes, with Klarna.", published: true }), 201);
    const saved = await json(await settled("POST", "/api/articles", article), 201);
    expect(await storedRows(faq.id)).toHaveLength(1);
    expect(await storedRows(saved.id)).toHaveLength(3);
    expect((await settled("DELETE", `/api/faqs/${faq.id}`)).status).toBe(204);
    expect((await settled("DELETE", `/api/articles/${saved.id}`)).status).toBe(204);
    expect(await storedRows(faq.id)).toEqual([]);
    expect(await storedRows(saved.id)).toEqual([]);
    ai.takeTexts();
  });

  it("embeds nothing while semantic ranking is off; turning it on, or changing the model, backfills what lacks a current vector", async () => {
    await setSemantic({ enabled: false });
    const faq = await json<FaqT>(await settled("POST", "/api/faqs", { question: "Do you ship to Norway?", answer: "Yes, in 3–5 days.", published: true }), 201);
    expect(ai.takeTexts()).toEqual([]);
    expect(await storedRows(faq.id)).toEqual([]);

    await setSemantic({ enabled: true });
    // Only the FAQ saved while it was off: everything else already has a current vector.
    expect(ai.takeTexts()).toEqual([`${faq.question}\n${faq.answer}`]);
    expect(await storedRows(faq.id)).toHaveLength(1);

    const all = await db(env.DB).select().from(knowledgeEmbeddings);
    await setSemantic({ model: "@cf/baai/bge-large-en-v1.5" });
    expect(ai.calls.every((call) => call.model === "@cf/baai/bge-large-en-v1.5")).toBe(true);
    expect(ai.takeTexts()).toHaveLength(all.length);
    const after = await db(env.DB).select().from(knowledgeEmbeddings);
    expect(after).toHaveLength(all.length);
    expect(after.every((row) => row.model === "@cf/baai/bge-large-en-v1.5")).toBe(true);
    await setSemantic({ model: MODEL });
    ai.takeTexts();
  });

  it("without the binding, or when the embedding fails, saving still succeeds and the log says why", async () => {
    const missing = catchWarnings(/Semantic ranking is on, but the Worker has no AI binding/);
    const offline = await json(await settled("POST", "/api/faqs", { question: "Is there a showroom?", answer: "Yes, in Borås.", published: true }, null), 201);
    expect(missing.seen()).toBe(true);
    expect(await storedRows(offline.id)).toEqual([]);

    const failing = catchWarnings(/Embedding faq \S+ for semantic ranking failed: @cf\/baai\/bge-m3 failed: 3040: Capacity temporarily exceeded/);
    ai.script = [() => Promise.reject(new Error("3040: Capacity temporarily exceeded"))];
    const faq = await json(await settled("POST", "/api/faqs", { question: "Do you gift wrap?", answer: "Yes, for free.", published: true }), 201);
    expect(failing.seen()).toBe(true);
    expect(await storedRows(faq.id)).toEqual([]);
    ai.takeTexts();
  });
});

describe("rankByMeaning", () => {
  const knowledge = [
    { question: "Is the raincoat waterproof?", answer: "Yes. Its seams are taped, so it keeps you dry in heavy rain." },
    { question: "What is your exchange policy?", answer: "Swap unworn items for another size within 30 days." },
    { question: "How long does delivery take?", answer: "Orders arrive in 2–4 working days within Sweden." },
    { question: "How do your sizes run?", answer: "Our knitwear runs true to size; see the size guide on each product page." },
  ];
  let passages: ReturnType<typeof faqPassage>[];

  beforeAll(async () => {
    admin ??= await login();
    await setSemantic({ enabled: true, model: MODEL });
    const saved = [];
    for (const faq of knowledge) saved.push(await json<FaqT>(await settled("POST", "/api/faqs", { ...faq, published: true }), 201));
    passages = saved.map(faqPassage);
    ai.takeTexts();
  });

  const rank = async (question: string, options: { only?: typeof passages; limit?: number } = {}) => {
    const embeddings = await readEmbeddings(db(env.DB), MODEL);
    ai.takeTexts();
    const ranked = await rankByMeaning({
      question,
      passages: options.only ?? passages,
      embeddings,
      embedder: new WorkersAiEmbedder(ai, MODEL),
      limit: options.limit ?? 5,
      locale: null,
    });
    return { ranked, embedded: ai.calls.splice(0) };
  };

  it("finds a paraphrase that BM25 misses, at one embedding call for the question alone", async () => {
    const question = "Is the jacket water resistant?";
    expect(rankPassages(question, passages, 5)).toEqual([]);
    const { ranked, embedded } = await rank(question);
    expect(embedded).toEqual([{ model: MODEL, text: [question] }]);
    expect(ranked[0]?.passage.title).toBe("Is the raincoat waterproof?");
    expect(ranked[0]!.confidence).toBeGreaterThan(0);
    expect(ranked[0]!.confidence).toBeLessThanOrEqual(1);
    // Found by meaning alone: no BM25 score.
    expect(ranked[0]!.score).toBe(0);
  });

  it("never makes a word match less sure, and keeps confidence within 0..1", async () => {
    const question = "How long does delivery take?";
    const [byWords] = rankPassages(question, passages, 5);
    const { ranked, embedded } = await rank(question);
    expect(embedded).toHaveLength(1);
    expect(ranked[0]!.passage).toBe(byWords!.passage);
    expect(ranked[0]!.score).toBe(byWords!.score);
    expect(ranked[0]!.confidence).toBeGreaterThanOrEqual(byWords!.confidence);
    expect(ranked.every((r) => r.confidence >= 0 && r.confidence <= 1)).toBe(true);
    expect(ranked.map((r) => r.confidence)).toEqual([...ranked.map((r) => r.confidence)].sort((a, b) => b - a));
  });

  it("ranks passages without a current vector by BM25 alone, and makes no call when none has one", async () => {
    const edited = { ...passages[2]!, text: "Orders arrive in 1–2 working days within Sweden." };
    const question = "How long does delivery take?";
    const only = [...passages.slice(0, 2), edited, passages[3]!];
    const { ranked } = await rank(question, { only });
    expect(ranked[0]).toEqual(rankPassages(question, only, 1)[0]);
    expect(ranked[0]!.passage).toBe(edited);

    const unsaved = [{ kind: "faq" as const, id: "faq_unsaved", title: "Do you ship abroad?", text: "Yes, across the EU." }];
    const alone = await rank("Do you ship to Finland?", { only: unsaved });
    expect(alone.embedded).toEqual([]);
    expect(alone.ranked).toEqual(rankPassages("Do you ship to Finland?", unsaved, 5));
  });

  it("is how the AI agent ranks once it is on: a paraphrase no word matches is suggested or answered, and handed off with it off", async () => {
    const question = "Is the jacket water resistant?";
    const tried = await json(await settled("POST", "/api/ai/try", { question }), 200);
    expect(tried.decision).not.toBe("handoff");
    expect([...tried.sources, ...tried.suggestions][0]).toMatchObject({ kind: "faq", title: "Is the raincoat waterproof?" });
    expect(tried.candidates[0]).toMatchObject({ title: "Is the raincoat waterproof?", score: 0 });
    expect(ai.takeTexts()).toEqual([question, question]);

    await setSemantic({ enabled: false });
    const byWords = await json(await settled("POST", "/api/ai/try", { question }), 200);
    expect(byWords.decision).toBe("handoff");
    expect(byWords.candidates.map((c: { title: string }) => c.title)).not.toContain("Is the raincoat waterproof?");
    expect(ai.takeTexts()).toEqual([]);
    await setSemantic({ enabled: true });
    ai.takeTexts();
  });

  it("falls back to BM25, and says so in the log, when the embedding call fails", async () => {
    const warned = catchWarnings(/Semantic ranking fell back to BM25: @cf\/baai\/bge-m3 failed: 3040/);
    ai.script = [() => Promise.reject(new Error("3040: Capacity temporarily exceeded"))];
    const question = "How long does delivery take?";
    const { ranked } = await rank(question);
    expect(ranked).toEqual(rankPassages(question, passages, 5));
    expect(warned.seen()).toBe(true);
  });
});
