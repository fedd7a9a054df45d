// What both LLM answerers share around their one call: the prompt, a deadline, the parser, and
// the rule that every failure becomes a handoff — never an exception, never a silent customer.
import { chatMessages, parseReply, providerError, type ChatMessage } from "./prompt";
import type { Answer, AnswerRequest } from "./types";

export const DEFAULT_TIMEOUT_MS = 12_000;
export const DEFAULT_MAX_TOKENS = 400;

/** A failure the transport understood (a status, a malformed reply); `message` is the admin's detail. */
export class ProviderError extends Error {}

/** Sends the messages, resolves with the model's reply text or throws (ProviderError when it can say why). */
export type Complete = (messages: ChatMessage[], signal: AbortSignal) => Promise<string>;

export async function answerWithin(request: AnswerRequest, timeoutMs: number, complete: Complete): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  // The race, not just the signal, enforces the deadline: a transport that ignores the signal
  // (a binding, say) still can't keep the customer waiting.
  const deadline = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  try {
    const reply = await Promise.race([complete(chatMessages(request), signal), deadline]);
    return parseReply(reply, request);
  } catch (error) {
    if (signal.aborted) return providerError(`no reply within ${timeoutMs} ms`);
    if (error instanceof ProviderError) return providerError(error.message);
    return providerError(`the request failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
