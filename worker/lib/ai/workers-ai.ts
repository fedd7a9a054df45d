// An Answerer over the Workers AI binding (env.AI), with the same prompt, parser and failure
// rules as the OpenAI-compatible one.
import { answerWithin, DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT_MS, ProviderError } from "./completion";
import type { ChatMessage } from "./prompt";
import type { Answer, AnswerRequest, Answerer } from "./types";

/** The part of the binding (type `Ai`) this answerer calls; `env.AI` satisfies it. */
export type TextGenerationBinding = {
  run(model: string, inputs: { messages: ChatMessage[]; max_tokens: number; temperature: number }, options: { signal: AbortSignal }): Promise<unknown>;
};

export type WorkersAiConfig = {
  /** A text-generation model of the Workers AI catalog. */
  model?: string;
  timeoutMs?: number;
  maxTokens?: number;
};

// Llama 3.1 8B Instruct, fp8: small, cheap and in the binding's typed catalog.
export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.1-8b-instruct-fp8";

export class WorkersAiAnswerer implements Answerer {
  constructor(
    private readonly ai: TextGenerationBinding,
    private readonly config: WorkersAiConfig = {},
  ) {}

  answer(request: AnswerRequest): Promise<Answer> {
    return answerWithin(request, this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS, (messages, signal) => this.complete(messages, signal));
  }

  private async complete(messages: ChatMessage[], signal: AbortSignal): Promise<string> {
    const { model = DEFAULT_WORKERS_AI_MODEL, maxTokens = DEFAULT_MAX_TOKENS } = this.config;
    const output = await this.ai.run(model, { messages, max_tokens: maxTokens, temperature: 0 }, { signal });
    // Text-generation models answer {response: string}.
    const response = (output as { response?: unknown } | null)?.response;
    if (typeof response !== "string") throw new ProviderError("Workers AI's output had no response text");
    return response;
  }
}
