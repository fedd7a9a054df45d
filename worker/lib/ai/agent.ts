// The AI agent's decisions, wherever they are asked for (a conversation's object, or the
// settings' "try it"): what the store knows, which answerer speaks, and when a person must.
import { asc, eq } from "drizzle-orm";
import type { ArticleTranslationsT, FaqTranslationsT, Locale, MessageT, SettingsT } from "../../../contract";
import { db, type Db } from "../../db/client";
import { cachedPerDatabase } from "../cache";
import { articles, faqs } from "../../db/schema";
import { hostOf, readCredential } from "../credentials";
import { recentEvents } from "../events";
import { getProfile } from "../profiles";
import { BuiltinAnswerer } from "./builtin";
import { asksForHuman } from "./human";
import { OpenAiCompatibleAnswerer } from "./openai";
import { handoff, providerError } from "./prompt";
import { embedderFor } from "./embeddings";
import { readEmbeddings, type StoredEmbeddings } from "./embedding-store";
import { knowledgePassages, rankByWords, type Knowledge, type Ranker } from "./retrieval";
import { meaningRanker } from "./semantic";
import type { Answer, AnswerRequest, Answerer, CustomerContext, HandoffReason, Passage, Turn } from "./types";
import { WorkersAiAnswerer } from "./workers-ai";

type AiSettings = SettingsT["ai"];

/** FAQs and articles change rarely: an isolate reads them at most this often. */
const KNOWLEDGE_CACHE_MS = 10_000;
/** What an LLM is given of the store's knowledge: the best passages for the question. */
const LLM_PASSAGES = 6;
const CUSTOMER_EVENTS = 20;
/** An order placed, and what moves it on: read by name, so other events never hide them. */
const ORDER_EVENTS = ["Placed Order", "Fulfilled Order", "Cancelled Order"] as const;
const TRY_CANDIDATES = 5;
/** Beyond the providers' own timeouts: whatever happens, the customer is not left waiting. */
const DECISION_DEADLINE_MS = 20_000;

/** The store's knowledge as read, and its passages per shopper locale, each made on first use. */
type StoreKnowledge = { passagesIn: (locale: Locale | null) => Passage[] };

/** The published FAQs and the articles, with their translations. */
async function readKnowledge(database: Db): Promise<StoreKnowledge> {
  const [faqRows, articleRows] = await Promise.all([
    database
      .select({ id: faqs.id, question: faqs.question, answer: faqs.answer, translations: faqs.translations })
      .from(faqs)
      .where(eq(faqs.published, true))
      .orderBy(asc(faqs.position)),
    database.select({ id: articles.id, title: articles.title, body: articles.body, translations: articles.translations }).from(articles),
  ]);
  const knowledge: Knowledge = {
    faqs: faqRows.map((row) => ({ ...row, translations: row.translations as FaqTranslationsT })),
    articles: articleRows.map((row) => ({ ...row, translations: row.translations as ArticleTranslationsT })),
  };
  const byLocale = new Map<Locale | null, Passage[]>();
  return {
    passagesIn(locale) {
      let passages = byLocale.get(locale);
      if (!passages) byLocale.set(locale, (passages = knowledgePassages(knowledge, locale)));
      return passages;
    },
  };
}

const recentKnowledge = cachedPerDatabase(KNOWLEDGE_CACHE_MS, (env) => readKnowledge(db(env.DB)));

/**
 * The store's knowledge as a shopper in `locale` reads it (see `knowledgePassages`). `fresh`:
 * read now, past the cache (an admin trying an article they just wrote must see it).
 */
async function storeKnowledge(env: Env, locale: Locale | null, fresh = false): Promise<Passage[]> {
  const cache = recentKnowledge(env);
  if (fresh) cache.clear();
  return (await cache.get()).passagesIn(locale);
}

/** The stored vectors of the knowledge, by model, read as often as the knowledge itself. */
const recentEmbeddings = cachedPerDatabase(KNOWLEDGE_CACHE_MS, async () => new Map<string, Promise<StoredEmbeddings>>());

/**
 * A FAQ or article changed: this isolate reads the knowledge (and its vectors) afresh at the next
 * question. Other isolates see the change within KNOWLEDGE_CACHE_MS.
 */
export function forgetKnowledge(env: Env): void {
  recentKnowledge(env).clear();
  recentEmbeddings(env).clear();
}

/**
 * How the store's knowledge is ranked: by words, and also by meaning when semantic ranking is on
 * and the Worker has its AI binding (one embedding call per question, for the question only).
 */
async function rankerFor(ai: AiSettings, env: Env, fresh = false): Promise<Ranker> {
  const embedder = embedderFor(env, ai.semantic);
  if (!embedder) return rankByWords;
  const cache = recentEmbeddings(env);
  if (fresh) cache.clear();
  const byModel = await cache.get();
  let embeddings = byModel.get(embedder.model);
  if (!embeddings) {
    byModel.set(embedder.model, (embeddings = readEmbeddings(db(env.DB), embedder.model)));
    // A failed read is not kept: the next question reads again.
    embeddings.catch(() => byModel.delete(embedder.model));
  }
  return meaningRanker(embedder, await embeddings);
}

/**
 * Only the asking customer's own profile and events: nothing of anyone else's is ever read. Their
 * orders are read by name, so a long trail of other events never hides the newest order.
 */
async function customerContext(database: Db, profileId: string | null): Promise<CustomerContext> {
  if (!profileId) return { name: null, email: null, events: [] };
  const [profile, orders, fulfilled, cancelled, recent] = await Promise.all([
    getProfile(database, profileId),
    ...ORDER_EVENTS.map((name) => recentEvents(database, profileId, CUSTOMER_EVENTS, name)),
    recentEvents(database, profileId, CUSTOMER_EVENTS),
  ]);
  const events = [...new Map([...orders!, ...fulfilled!, ...cancelled!, ...recent!].map((event) => [event.id, event])).values()].sort((a, b) =>
    a.occurredAt < b.occurredAt ? 1 : -1,
  );
  return { name: profile?.name ?? null, email: profile?.email ?? null, events };
}

/** An answerer that cannot run (no key, no binding) hands off and says why, never stays silent. */
const unavailable = (detail: string): Answerer => ({ answer: async () => providerError(detail) });

async function answererFor(ai: AiSettings, env: Env, database: Db, rank: Ranker): Promise<Answerer> {
  switch (ai.provider) {
    case "builtin":
      return new BuiltinAnswerer(rank);
    case "openai": {
      const apiKey = await readCredential(database, env, "openai", hostOf(ai.openai.baseUrl));
      if (!apiKey || !ai.openai.baseUrl) return unavailable("the OpenAI-compatible endpoint has no address, or no key for that address");
      return new OpenAiCompatibleAnswerer({ baseUrl: ai.openai.baseUrl, apiKey, model: ai.openai.model });
    }
    case "workers_ai":
      return env.AI
        ? new WorkersAiAnswerer(env.AI, { model: ai.workersAi.model })
        : unavailable('the Worker has no AI binding (add [ai] binding = "AI" to wrangler.toml)');
  }
}

function withDeadline(answer: Promise<Answer>): Promise<Answer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Answer>((resolve) => (timer = setTimeout(() => resolve(providerError("no answer in time")), DECISION_DEADLINE_MS)));
  return Promise.race([answer.catch((error: unknown) => providerError(error instanceof Error ? error.message : "the answerer failed")), late]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * Asks the configured answerer, with the store's knowledge in the shopper's locale where it has
 * one; an LLM gets the best passages for the question, not all.
 */
async function ask(input: {
  env: Env;
  database: Db;
  ai: AiSettings;
  question: string;
  history: Turn[];
  profileId: string | null;
  locale: Locale | null;
  rank: Ranker;
  fresh?: boolean;
}): Promise<{ answer: Answer; knowledge: Passage[] }> {
  const rank = input.rank;
  const [knowledge, customer, answerer] = await Promise.all([
    storeKnowledge(input.env, input.locale, input.fresh),
    customerContext(input.database, input.profileId),
    answererFor(input.ai, input.env, input.database, rank),
  ]);
  const given =
    input.ai.provider === "builtin" ? knowledge : (await rank(input.question, knowledge, LLM_PASSAGES, input.locale)).map((ranked) => ranked.passage);
  const request: AnswerRequest = {
    question: input.question,
    history: input.history,
    knowledge: given,
    customer,
    threshold: input.ai.threshold,
    suggestFrom: input.ai.suggestions.enabled ? input.ai.suggestions.threshold : null,
    locale: input.locale,
  };
  return { answer: await withDeadline(answerer.answer(request)), knowledge };
}

/** The customer messages the AI answers in one go, as one question. */
export const questionOf = (unanswered: MessageT[]) => unanswered.map((m) => m.body).join("\n");

/**
 * What the AI agent does about the customer's unanswered messages: answer them, or hand off
 * because the customer asked for a person, because it already answered `maxTurns` times without
 * settling it, or because the answerer is not sure enough, or failed. Never throws: a failure
 * (D1 unreadable, say) is a handoff too, so the customer is never left in silence.
 */
export async function decide(input: {
  env: Env;
  database: Db;
  ai: AiSettings;
  profileId: string;
  /** The thread before the unanswered messages, oldest first, the AI's own answers included. */
  history: MessageT[];
  unanswered: MessageT[];
  turns: number;
  /** The conversation's locale: the knowledge is read in it where the store wrote it. */
  locale?: Locale | null;
}): Promise<{ decision: Answer; question: string }> {
  const question = questionOf(input.unanswered);
  if (asksForHuman(question)) return { decision: handoff("asked_for_human", ""), question };
  if (input.turns >= input.ai.maxTurns) return { decision: handoff("unresolved", ""), question };
  const history: Turn[] = input.history.map((m) => ({ role: m.author.kind === "customer" ? "customer" : "assistant", text: m.body }));
  try {
    const { answer } = await ask({
      env: input.env,
      database: input.database,
      ai: input.ai,
      question,
      history,
      profileId: input.profileId,
      locale: input.locale ?? null,
      rank: await rankerFor(input.ai, input.env),
    });
    return { decision: answer, question };
  } catch (error) {
    return { decision: providerError(`could not read the store's data: ${error instanceof Error ? error.message : String(error)}`), question };
  }
}

/** The settings' "try it": what the agent would answer to a shopper in `locale`, and the passages it weighed. */
export async function tryAnswer(input: { env: Env; database: Db; ai: AiSettings; question: string; profileId: string | null; locale?: Locale | null }) {
  const locale = input.locale ?? null;
  const rank = await rankerFor(input.ai, input.env, true);
  const asked = asksForHuman(input.question)
    ? { answer: handoff("asked_for_human", ""), knowledge: await storeKnowledge(input.env, locale, true) }
    : await ask({ ...input, locale, rank, history: [], fresh: true });
  const { answer, knowledge } = asked;
  return {
    decision: answer.kind,
    text: answer.kind === "answer" ? answer.text : null,
    suggestions: answer.kind === "suggest" ? answer.sources : [],
    reason: answer.kind === "handoff" ? answer.reason : null,
    detail: answer.kind === "handoff" ? answer.detail : "",
    confidence: answer.confidence,
    threshold: input.ai.threshold,
    provider: input.ai.provider,
    sources: answer.sources,
    candidates: (await rank(input.question, knowledge, TRY_CANDIDATES, locale)).map(({ passage, score, confidence }) => ({
      kind: passage.kind,
      id: passage.id,
      title: passage.title,
      score,
      confidence,
    })),
  };
}

const HANDOFF_REASONS = {
  low_confidence: () => "the AI had no confident answer",
  asked_for_human: () => "the customer asked for a person",
  not_helpful: () => "the customer said the AI's answer didn't help",
  unresolved: (maxTurns: number) => `still unresolved after ${maxTurns} AI answers`,
  provider_error: () => "the AI service failed",
} as const;

/**
 * The one line the team reads first: why the AI passed it on, and what the customer asked. Like
 * every message it reaches the customer too, so it names the reason, not its technical detail.
 */
export function handoffSummary(reason: HandoffReason, question: string, maxTurns: number): string {
  const gist = question.replace(/\s+/g, " ").trim();
  const quoted = gist.length > 140 ? `${gist.slice(0, 139)}…` : gist;
  return `Handed over by the AI agent (${HANDOFF_REASONS[reason](maxTurns)})${quoted ? `: “${quoted}”` : "."}`;
}
