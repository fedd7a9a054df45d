// Text embeddings for the semantic ranker, over the Workers AI binding (env.AI). The BGE models
// (bge-m3, bge-base/large/small-en-v1.5) take `{ text: string[] }` and answer
// `{ shape: [n, dims], data: number[][] }`; anything else is a failure that says what came back.

/** Turns texts into vectors, in the same order; one model, so all vectors have one length. */
export interface Embedder {
  /** The model the vectors come from: stored beside them, so a change of model is noticed. */
  readonly model: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** The part of the binding (type `Ai`) this client calls; `env.AI` satisfies it. */
export type TextEmbeddingBinding = {
  run(model: string, inputs: { text: string[] }): Promise<unknown>;
};

/** Why embedding failed, for the log: the binding's own error, or what its answer lacked. */
export class EmbeddingError extends Error {}

/** The catalog's documented most texts per call (the `text` array's `maxItems`). */
export const MAX_BATCH_TEXTS = 100;
/**
 * Characters per call: bge-m3's context window is 60,000 tokens, and a token is two to four
 * characters, so a batch of long FAQ answers is split before it could reach the window.
 */
export const MAX_BATCH_CHARS = 60_000;

/** Consecutive batches within both limits; a text longer than the character limit goes alone. */
export function batches(texts: string[]): string[][] {
  const result: string[][] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const text of texts) {
    if (batch.length > 0 && (batch.length === MAX_BATCH_TEXTS || chars + text.length > MAX_BATCH_CHARS)) {
      result.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(text);
    chars += text.length;
  }
  if (batch.length > 0) result.push(batch);
  return result;
}

function describe(output: unknown): string {
  if (output === null || typeof output !== "object") return String(output);
  const keys = Object.keys(output);
  return keys.length > 0 ? `an object with ${keys.join(", ")}` : "an empty object";
}

/** The vectors of a `{ shape, data }` answer for `count` texts, each checked for length and numbers. */
function parseEmbeddings(output: unknown, count: number, model: string): Float32Array[] {
  const { shape, data } = (output ?? {}) as { shape?: unknown; data?: unknown };
  if (!Array.isArray(data) || !Array.isArray(shape)) {
    // `request_id` is the async queue's answer, `response` the query-and-contexts form: neither is asked for.
    throw new EmbeddingError(`${model} answered ${describe(output)}, not the {shape, data} of text embeddings`);
  }
  const [rows, dims] = shape as unknown[];
  if (rows !== count || data.length !== count) {
    throw new EmbeddingError(`${model} answered ${data.length} vectors (shape ${JSON.stringify(shape)}) for ${count} texts`);
  }
  if (typeof dims !== "number" || !Number.isInteger(dims) || dims < 1) throw new EmbeddingError(`${model} answered the shape ${JSON.stringify(shape)}`);
  return data.map((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== dims) {
      throw new EmbeddingError(`${model}'s vector ${i} has ${Array.isArray(row) ? row.length : "no"} numbers, not ${dims}`);
    }
    if (!row.every((x) => typeof x === "number" && Number.isFinite(x))) throw new EmbeddingError(`${model}'s vector ${i} is not all numbers`);
    return Float32Array.from(row as number[]);
  });
}

export class WorkersAiEmbedder implements Embedder {
  constructor(
    private readonly ai: TextEmbeddingBinding,
    readonly model: string,
  ) {}

  /** One binding call per batch, one after another (a backfill shouldn't burst the account's rate limit). */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (const batch of batches(texts)) {
      let output: unknown;
      try {
        output = await this.ai.run(this.model, { text: batch });
      } catch (error) {
        throw new EmbeddingError(`${this.model} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const parsed = parseEmbeddings(output, batch.length, this.model);
      if (vectors.length > 0 && parsed[0]!.length !== vectors[0]!.length) {
        throw new EmbeddingError(`${this.model} changed its vectors' length from ${vectors[0]!.length} to ${parsed[0]!.length} between batches`);
      }
      vectors.push(...parsed);
    }
    return vectors;
  }
}

/**
 * The embedder the settings ask for, or null: semantic ranking is off, or the Worker has no AI
 * binding (offline, or `[ai] binding = "AI"` not yet added), where BM25 ranks alone.
 */
export function embedderFor(env: { AI?: TextEmbeddingBinding }, semantic: { enabled: boolean; model: string }): Embedder | null {
  return semantic.enabled && env.AI ? new WorkersAiEmbedder(env.AI, semantic.model) : null;
}
