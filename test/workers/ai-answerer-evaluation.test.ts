// The built-in answerer as a whole, and its evaluation on the question table (ai-questions.ts).
import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLD } from "../../worker/lib/ai/builtin";
import type { Answer } from "../../worker/lib/ai/types";
import { answerer, request } from "./ai-answerer-fixtures";
import { ARTICLES, CASEY, FAQS, NEW_CUSTOMER } from "./ai-knowledge";
import { DEVELOPMENT_QUESTIONS, QUESTIONS, type QuestionCase } from "./ai-questions";

describe("BuiltinAnswerer", () => {
  it("answers with the best passage's text when confident, naming it as the source", async () => {
    const answer = await answerer.answer(request("Which payment methods do you accept?"));
    expect(answer).toMatchObject({ kind: "answer", text: FAQS.find((f) => f.id === "faq-payment")!.answer });
    expect(answer.sources[0]).toMatchObject({ kind: "faq", id: "faq-payment" });
  });

  it("hands off below the threshold, listing the candidates", async () => {
    const answer = await answerer.answer(request("Which payment methods do you accept?", CASEY, 0.99));
    expect(answer).toMatchObject({ kind: "handoff", reason: "low_confidence" });
    expect(answer.sources.length).toBeGreaterThan(0);
    expect(answer.sources[0]!.id).toBe("faq-payment");
  });

  it("replies to a greeting, thanks or a message that asks nothing in kind and in the customer's language, never with a passage", async () => {
    const replies: Array<[string, RegExp]> = [
      ["Hi!", /^Hi! I'm the store's AI assistant/],
      ["hej", /^Hej! Jag är butikens AI-assistent/],
      ["Thanks!", /^You're welcome!/],
      ["tack så mycket", /^Varsågod!/],
      ["ok", /^Could you tell me a little more/],
      ["👍", /^Could you tell me a little more/],
    ];
    for (const [text, reply] of replies) {
      const answer = await answerer.answer(request(text, CASEY, 0));
      expect(answer, text).toMatchObject({ kind: "answer", sources: [] });
      if (answer.kind === "answer") expect(answer.text, text).toMatch(reply);
    }
    // A question that comes with a greeting is a question.
    expect((await answerer.answer(request("Hi! Which payment methods do you accept?", CASEY))).sources[0]).toMatchObject({ id: "faq-payment" });
  });
});

type Outcome = "TP" | "FP" | "FN" | "TN";

function outcome(expected: Exclude<QuestionCase["expected"], "small_talk">, answer: Answer): Outcome {
  const wanted = expected === "handoff" ? null : expected;
  if (answer.kind === "handoff") return wanted === null ? "TN" : "FN";
  if (wanted === null) return "FP";
  const source = answer.sources[0];
  const right = wanted === "order" ? source?.kind === "order" : source?.kind !== "order" && wanted.answer.includes(source?.id ?? "");
  return right ? "TP" : "FP";
}

/**
 * Precision and recall with an answer from the store's data as the positive: TP = answered from
 * the expected source; FP = answered when a handoff was expected, or from another source; FN =
 * handed off when an answer was expected; TN = handed off as expected. Small talk is apart: it
 * must get a reply in kind (an answer with no source), and it counts in neither figure.
 */
async function evaluate(name: string, cases: QuestionCase[]) {
  const counts: Record<Outcome, number> = { TP: 0, FP: 0, FN: 0, TN: 0 };
  const misses: string[] = [];
  const smallTalkMisses: string[] = [];
  for (const { question, expected, customer } of cases) {
    const answer = await answerer.answer(request(question, customer === "new" ? NEW_CUSTOMER : CASEY));
    if (expected === "small_talk") {
      if (answer.kind !== "answer" || answer.sources.length > 0) smallTalkMisses.push(question);
      continue;
    }
    const result = outcome(expected, answer);
    counts[result]++;
    if (result === "FP" || result === "FN") {
      const got = answer.kind === "answer" ? `answer from ${answer.sources[0]?.id}` : `handoff`;
      misses.push(`  ${result} ${JSON.stringify(question)}: ${got} (confidence ${answer.confidence.toFixed(2)}), expected ${JSON.stringify(expected)}`);
    }
  }
  const precision = counts.TP / (counts.TP + counts.FP);
  const recall = counts.TP / (counts.TP + counts.FN);
  console.log(
    `${name}: ${cases.length} questions, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} ` +
      `(TP ${counts.TP}, FP ${counts.FP}, FN ${counts.FN}, TN ${counts.TN}) at threshold ${DEFAULT_THRESHOLD}\n${misses.join("\n")}`,
  );
  return { precision, recall, smallTalkMisses };
}

describe("evaluation on the question table", () => {
  it("has the table it claims: 60+ questions over 12+ FAQs and 4+ articles", () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(60);
    expect(FAQS.length).toBeGreaterThanOrEqual(12);
    expect(ARTICLES.length).toBeGreaterThanOrEqual(4);
    const ids = new Set([...FAQS.map((f) => f.id), ...ARTICLES.map((a) => a.id)]);
    for (const { expected } of [...QUESTIONS, ...DEVELOPMENT_QUESTIONS]) {
      if (typeof expected === "object") for (const id of expected.answer) expect(ids, id).toContain(id);
    }
  });

  it("reaches its precision and recall floors", async () => {
    const { precision, recall, smallTalkMisses } = await evaluate("question table", QUESTIONS);
    const development = await evaluate("development set", DEVELOPMENT_QUESTIONS);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(recall).toBeGreaterThanOrEqual(0.8);
    expect([...smallTalkMisses, ...development.smallTalkMisses]).toEqual([]);
  });
});
