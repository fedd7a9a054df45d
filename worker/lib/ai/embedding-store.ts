// The knowledge's vectors in D1 (knowledge_embeddings): one per passage of each language version
// of a FAQ or article, computed when it is saved (or when semantic ranking is turned on), never
// per question. A row is current when its model and the hash of its text match; anything else is
// embedded again, and rows of passages that are gone are deleted.
import { and, eq, sql } from "drizzle-orm";
import type { ArticleTranslationsT, FaqTranslationsT } from "../../../contract";
import type { Db } from "../../db/client";
import { articles, faqs, knowledgeEmbeddings } from "../../db/schema";
import { sha256Hex } from "../crypto";
import { nowIso } from "../ids";
import { loadSettings } from "../settings";
import { embedderFor, type Embedder, type TextEmbeddingBinding } from "./embeddings";
import { articlePassages, faqPassage } from "./retrieval";
import type { Passage } from "./types";

export type KnowledgeKind = "faq" | "article";

/** A FAQ or article as saved, with its versions in shoppers' languages. */
export type KnowledgeSource =
  | { kind: "faq"; id: string; question: string; answer: string; translations: FaqTranslationsT }
  | { kind: "article"; id: string; title: string; body: string; translations: ArticleTranslationsT };

/** One language version's passages: `locale` is "" for the base text. */
type Version = { locale: string; passages: Passage[] };

/** The passages as the ranker sees them (retrieval.ts's split), per language version. */
function versionsOf(source: KnowledgeSource): Version[] {
  if (source.kind === "faq") {
    const texts = [["", { question: source.question, answer: source.answer }], ...Object.entries(source.translations)] as const;
    return texts.flatMap(([locale, text]) => (text ? [{ locale, passages: [faqPassage({ id: source.id, ...text })] }] : []));
  }
  const texts = [["", { title: source.title, body: source.body }], ...Object.entries(source.translations)] as const;
  return texts.flatMap(([locale, text]) => (text ? [{ locale, passages: articlePassages({ id: source.id, ...text }) }] : []));
}

/**
 * What is embedded of a passage: its title with its text, so a FAQ is "question\nanswer" and an
 * article's paragraph keeps the article's subject.
 */
export const embeddingText = (passage: Passage) => `${passage.title}\n${passage.text}`;

// Hashing is what ties a passage at question time to its stored vector, whatever its position or
// language version; the knowledge is the same from one question to the next, so hashes are
// memoised (bounded, and cleared when full, like retrieval.ts's analyses).
const HASH_CACHE_LIMIT = 5_000;
const hashes = new Map<string, string>();

async function hashOf(text: string): Promise<string> {
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = await sha256Hex(text);
    if (hashes.size >= HASH_CACHE_LIMIT) hashes.clear();
    hashes.set(text, hash);
  }
  return hash;
}

/** Little-endian float32s in base64: D1 without nodejs_compat has no Buffer for blob columns. */
export function encodeVector(vector: Float32Array): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return btoa(String.fromCharCode(...new Uint8Array(view.buffer)));
}

export function decodeVector(encoded: string): Float32Array {
  const binary = atob(encoded);
  const view = new DataView(Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer);
  return Float32Array.from({ length: binary.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

type Row = typeof knowledgeEmbeddings.$inferSelect;
type Wanted = Omit<Row, "vector" | "updatedAt"> & { text: string };
/** A row's primary key: which passage of which language version of which FAQ or article. */
type Place = Pick<Row, "kind" | "sourceId" | "locale" | "passage">;

const rowKey = (row: Place) => `${row.kind}:${row.sourceId}:${row.locale}:${row.passage}`;

const atPlace = (row: Place) =>
  and(
    eq(knowledgeEmbeddings.kind, row.kind),
    eq(knowledgeEmbeddings.sourceId, row.sourceId),
    eq(knowledgeEmbeddings.locale, row.locale),
    eq(knowledgeEmbeddings.passage, row.passage),
  );

async function wantedRows(sources: KnowledgeSource[], model: string): Promise<Wanted[]> {
  const rows = sources.flatMap((source) =>
    versionsOf(source).flatMap(({ locale, passages }) =>
      passages.map((passage, index) => ({ kind: source.kind, sourceId: source.id, locale, passage: index, model, text: embeddingText(passage) })),
    ),
  );
  return Promise.all(rows.map(async (row) => ({ ...row, textHash: await hashOf(row.text) })));
}

// D1 binds at most 100 parameters per statement: 12 rows of 8 columns each.
const ROWS_PER_INSERT = 12;

/**
 * Makes the stored vectors of `sources` current: embeds only passages whose text or model
 * changed, and deletes rows in `scope` that no passage wants any more. One D1 batch writes it all.
 * Returns how many passages were embedded.
 */
async function syncEmbeddings(database: Db, embedder: Embedder, sources: KnowledgeSource[], scope: { kind: KnowledgeKind; id: string } | "all") {
  const { kind, sourceId, locale, passage, model, textHash } = knowledgeEmbeddings;
  const existing = await database
    .select({ kind, sourceId, locale, passage, model, textHash })
    .from(knowledgeEmbeddings)
    .where(scope === "all" ? undefined : and(eq(kind, scope.kind), eq(sourceId, scope.id)));
  const current = new Map(existing.map((row) => [rowKey(row), row]));
  const wanted = await wantedRows(sources, embedder.model);
  const stale = wanted.filter((row) => {
    const stored = current.get(rowKey(row));
    return stored?.model !== row.model || stored.textHash !== row.textHash;
  });
  const wantedKeys = new Set(wanted.map(rowKey));
  const gone = existing.filter((row) => !wantedKeys.has(rowKey(row)));

  const vectors = stale.length > 0 ? await embedder.embed(stale.map((row) => row.text)) : [];
  const updatedAt = nowIso();
  const fresh = stale.map(({ text: _, ...row }, i) => ({ ...row, vector: encodeVector(vectors[i]!), updatedAt }));
  const writes = [];
  for (let i = 0; i < fresh.length; i += ROWS_PER_INSERT) {
    writes.push(
      database
        .insert(knowledgeEmbeddings)
        .values(fresh.slice(i, i + ROWS_PER_INSERT))
        .onConflictDoUpdate({
          target: [kind, sourceId, locale, passage],
          set: { model: sql`excluded.model`, textHash: sql`excluded.text_hash`, vector: sql`excluded.vector`, updatedAt },
        }),
    );
  }
  for (const row of gone) writes.push(database.delete(knowledgeEmbeddings).where(atPlace(row)));
  const [first, ...rest] = writes;
  if (first) await database.batch([first, ...rest]);
  return stale.length;
}

const failure = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The embedder the stored settings ask for; on without the binding is a misconfiguration, logged. */
async function configuredEmbedder(env: { AI?: TextEmbeddingBinding }, database: Db): Promise<Embedder | null> {
  const { semantic } = (await loadSettings(database)).ai;
  const embedder = embedderFor(env, semantic);
  if (!embedder && semantic.enabled) console.warn('Semantic ranking is on, but the Worker has no AI binding (add [ai] binding = "AI" to wrangler.toml)');
  return embedder;
}

/**
 * After a FAQ or article is saved (in waitUntil): embeds its changed passages when semantic
 * ranking is on and the Worker has the AI binding. Never rejects: nobody awaits it, so a failure
 * is logged, and the next save or `refreshEmbeddings` tries again.
 */
export async function embedSaved(env: { AI?: TextEmbeddingBinding }, database: Db, source: KnowledgeSource): Promise<void> {
  try {
    const embedder = await configuredEmbedder(env, database);
    if (embedder) await syncEmbeddings(database, embedder, [source], { kind: source.kind, id: source.id });
  } catch (error) {
    console.warn(`Embedding ${source.kind} ${source.id} for semantic ranking failed: ${failure(error)}`);
  }
}

/** After a FAQ or article is deleted: its vectors go too, whatever the settings. */
export async function forgetEmbeddings(database: Db, kind: KnowledgeKind, id: string): Promise<void> {
  try {
    await database.delete(knowledgeEmbeddings).where(and(eq(knowledgeEmbeddings.kind, kind), eq(knowledgeEmbeddings.sourceId, id)));
  } catch (error) {
    console.warn(`Deleting the vectors of ${kind} ${id} failed: ${failure(error)}`);
  }
}

/**
 * Backfill, after semantic ranking is turned on or its model changes (in waitUntil): embeds every
 * passage of every FAQ and article that lacks a current vector, and drops vectors of what is
 * gone. Never rejects (see `embedSaved`); resolves with how many passages were embedded.
 */
export async function refreshEmbeddings(env: { AI?: TextEmbeddingBinding }, database: Db): Promise<number> {
  try {
    const embedder = await configuredEmbedder(env, database);
    if (!embedder) return 0;
    const [faqRows, articleRows] = await Promise.all([database.select().from(faqs), database.select().from(articles)]);
    const sources: KnowledgeSource[] = [
      ...faqRows.map((row) => ({ kind: "faq" as const, ...row, translations: row.translations as FaqTranslationsT })),
      ...articleRows.map((row) => ({ kind: "article" as const, ...row, translations: row.translations as ArticleTranslationsT })),
    ];
    return await syncEmbeddings(database, embedder, sources, "all");
  } catch (error) {
    console.warn(`Embedding the knowledge for semantic ranking failed: ${failure(error)}`);
    return 0;
  }
}

/** The stored vectors of one model, by source and text hash: what `vectorOf` looks a passage up in. */
export type StoredEmbeddings = { model: string; vectors: Map<string, Float32Array> };

const storedKey = (kind: string, id: string, hash: string) => `${kind}:${id}:${hash}`;

/** Every vector of `model` (a few kB each): read once and cached beside the knowledge, not per question. */
export async function readEmbeddings(database: Db, model: string): Promise<StoredEmbeddings> {
  const rows = await database
    .select({
      kind: knowledgeEmbeddings.kind,
      sourceId: knowledgeEmbeddings.sourceId,
      textHash: knowledgeEmbeddings.textHash,
      vector: knowledgeEmbeddings.vector,
    })
    .from(knowledgeEmbeddings)
    .where(eq(knowledgeEmbeddings.model, model));
  return { model, vectors: new Map(rows.map((row) => [storedKey(row.kind, row.sourceId, row.textHash), decodeVector(row.vector)])) };
}

/** The passage's current vector: stored for its source, of its exact text. */
export async function vectorOf(stored: StoredEmbeddings, passage: Passage): Promise<Float32Array | undefined> {
  return stored.vectors.get(storedKey(passage.kind, passage.id, await hashOf(embeddingText(passage))));
}
