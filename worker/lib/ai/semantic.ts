// Ranking by meaning as well as by words: the question's embedding against the stored vectors of
// the passages (embedding-store.ts), fused with BM25 (retrieval.ts) so that a paraphrase sharing
// no word with its FAQ is still found, and a confident word match keeps its confidence.
//
// `meaningRanker` is the answer path's ranker when semantic ranking is on (agent.ts).
import type { Locale } from "../../../contract";
import type { Embedder } from "./embeddings";
import { vectorOf, type StoredEmbeddings } from "./embedding-store";
import { rankPassages, type RankedPassage, type Ranker } from "./retrieval";
import type { Passage } from "./types";

export type MeaningQuery = {
  question: string;
  /** The store's passages, as for rankPassages (extra fields, such as a locale, are kept). */
  passages: Passage[];
  /** The stored vectors (`readEmbeddings`) of the embedder's model. */
  embeddings: StoredEmbeddings;
  embedder: Embedder;
  limit: number;
  /** The shopper's locale, as for rankPassages. */
  locale: Locale | null;
};

/**
 * Cosine similarity mapped to "how sure", 0 at FLOOR and 1 at CEILING. bge-m3's model card shows
 * about 0.35 for unrelated sentences and 0.63–0.68 for a question and its answer, so FLOOR keeps
 * unrelated passages at 0 and a clear match lands around BM25's answering threshold (0.5).
 * A starting point from those published figures, not from this store's questions: check the
 * answers with the real model before relying on it.
 */
const FLOOR = 0.4;
const CEILING = 0.75;
/** As in retrieval.ts: how much of the confidence rests on the lead over the best other source. */
const MARGIN_WEIGHT = 0.3;

type Candidate = { passage: Passage; score: number; lexical: number; cosine: number; semantic: number };

const sourceKey = (passage: Passage) => `${passage.kind}:${passage.id}`;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : 0;
}

/**
 * Semantic confidence = relevance × (1 − 0.3 + 0.3 × margin), the shape of BM25's: relevance is
 * the cosine between FLOOR and CEILING, margin the lead over the best passage of another FAQ or
 * article as a share of the passage's own (0 for all but the top FAQ's or article's passages).
 */
function semanticConfidences(candidates: Candidate[]) {
  const ordered = candidates.filter((c) => c.cosine > FLOOR).sort((a, b) => b.cosine - a.cosine);
  for (const candidate of ordered) {
    const rival = ordered.find((other) => sourceKey(other.passage) !== sourceKey(candidate.passage))?.cosine ?? FLOOR;
    const margin = clamp01((candidate.cosine - rival) / (candidate.cosine - FLOOR));
    candidate.semantic = clamp01((candidate.cosine - FLOOR) / (CEILING - FLOOR)) * (1 - MARGIN_WEIGHT + MARGIN_WEIGHT * margin);
  }
}

/**
 * The passages that best answer the question by words or by meaning, best first, at most
 * `limit`. Each passage's confidence is the higher of BM25's and the semantic one, so meaning
 * can find what words miss but never makes a word match less sure. `score` stays BM25's (0 for
 * a passage found by meaning alone). One embedding call per question, for the question only,
 * and none when no passage has a current vector. Passages without one rank by BM25 alone, and
 * if the embedding call fails the ranking is BM25's, with the failure logged.
 */
export async function rankByMeaning(query: MeaningQuery): Promise<RankedPassage[]> {
  const { question, passages, embeddings, embedder, limit, locale } = query;
  const lexical = rankPassages(question, passages, passages.length, locale);
  const bm25Only = () => lexical.slice(0, limit);
  if (limit <= 0 || !question.trim() || embeddings.model !== embedder.model) return bm25Only();
  const vectors = await Promise.all(passages.map((passage) => vectorOf(embeddings, passage)));
  if (!vectors.some(Boolean)) return bm25Only();

  let asked: Float32Array;
  try {
    [asked] = (await embedder.embed([question])) as [Float32Array];
  } catch (error) {
    console.warn(`Semantic ranking fell back to BM25: ${error instanceof Error ? error.message : String(error)}`);
    return bm25Only();
  }

  const byPassage = new Map(lexical.map((ranked) => [ranked.passage, ranked]));
  const candidates: Candidate[] = passages.map((passage, i) => {
    const vector = vectors[i];
    const ranked = byPassage.get(passage);
    return {
      passage,
      score: ranked?.score ?? 0,
      lexical: ranked?.confidence ?? 0,
      // A vector of another length is from another model's row: as if there were none.
      cosine: vector && vector.length === asked.length ? cosine(asked, vector) : 0,
      semantic: 0,
    };
  });
  semanticConfidences(candidates);
  return candidates
    .filter((c) => byPassage.has(c.passage) || c.semantic > 0)
    .map((c) => ({ ...c, confidence: Math.max(c.lexical, c.semantic) }))
    .sort((a, b) => b.confidence - a.confidence || b.cosine - a.cosine || b.score - a.score)
    .slice(0, limit)
    .map(({ passage, score, confidence }) => ({ passage, score, confidence }));
}

/** rankByMeaning as a Ranker, over one model's stored vectors. */
export const meaningRanker =
  (embedder: Embedder, embeddings: StoredEmbeddings): Ranker =>
  (question, passages, limit, locale) =>
    rankByMeaning({ question, passages, embeddings, embedder, limit, locale });
