// An Answerer over any OpenAI-compatible chat-completions endpoint (OpenAI itself, or a server
// that speaks its wire format): POST {baseUrl}/chat/completions, read choices[0].message.content.
import { fetchOutside } from "../outbound";
import { answerWithin, DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT_MS, ProviderError } from "./completion";
import type { ChatMessage } from "./prompt";
import type { Answer, AnswerRequest, Answerer } from "./types";

export type OpenAiCompatibleConfig = {
  /** Up to and including the version, e.g. "https://api.openai.com/v1". */
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs?: number;
  maxTokens?: number;
};

export class OpenAiCompatibleAnswerer implements Answerer {
  constructor(private readonly config: OpenAiCompatibleConfig) {}

  answer(request: AnswerRequest): Promise<Answer> {
    return answerWithin(request, this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS, (messages, signal) => this.complete(messages, signal));
  }

  private async complete(messages: ChatMessage[], signal: AbortSignal): Promise<string> {
    const { baseUrl, apiKey, model, maxTokens = DEFAULT_MAX_TOKENS } = this.config;
    const response = await fetchOutside("The AI endpoint", `${baseUrl.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model, messages, temperature: 0, max_tokens: maxTokens }),
      signal,
    });
    const body = await response.text();
    if (!response.ok) throw new ProviderError(`the provider answered HTTP ${response.status}${errorCode(body)}`);
    const content = contentOf(body);
    if (content === null) throw new ProviderError("the provider's reply had no choices[0].message.content");
    return content;
  }
}

function contentOf(body: string): string | null {
  try {
    const content: unknown = JSON.parse(body)?.choices?.[0]?.message?.content;
    return typeof content === "string" ? content : null;
  } catch {
    return null;
  }
}

/**
 * The error's machine-readable code ("invalid_api_key", "rate_limit_exceeded"), never its
 * message: OpenAI's 401 message quotes part of the key that was sent.
 */
function errorCode(body: string): string {
  try {
    const error = JSON.parse(body)?.error;
    const code: unknown = error?.code ?? error?.type;
    return typeof code === "string" && /^[\w.-]{1,60}$/.test(code) ? ` (${code})` : "";
  } catch {
    return "";
  }
}
