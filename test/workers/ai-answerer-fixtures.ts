// What the built-in answerer's tests share (ai-answerer-orders and ai-answerer-evaluation
// .test.ts): the answerer, and a question to it against the knowledge set of ai-knowledge.ts.
import { BuiltinAnswerer, DEFAULT_THRESHOLD } from "../../worker/lib/ai/builtin";
import type { AnswerRequest, CustomerContext } from "../../worker/lib/ai/types";
import { CASEY, PASSAGES } from "./ai-knowledge";

export const answerer = new BuiltinAnswerer();

export function request(question: string, customer: CustomerContext = CASEY, threshold = DEFAULT_THRESHOLD): AnswerRequest {
  return { question, history: [], knowledge: PASSAGES, customer, threshold, suggestFrom: null, locale: null };
}
