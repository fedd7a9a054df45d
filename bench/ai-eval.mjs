// The evaluation of `npm run bench:ai`: how often the AI agent answers shoppers' own words
// rightly. Two splits of questions over the bench's 10 FAQs, each written without sight of the
// other, of the project's question tables or of its synonyms: `dev` (dev-questions.json) is the
// one to tune on; `test` (test-questions.json) is held out, and its figures are the ones reported.
// Each question is asked in a chat of its own, on the widget's socket, as the first message.
// The AI's note says what it answered from, what it suggested, or that it handed off, with its
// confidence: so one pass gives the figures at the defaults, and a curve over thresholds.
import { readFileSync } from "node:fs";

const read = (name) => JSON.parse(readFileSync(new URL(`./ai-eval/${name}`, import.meta.url), "utf8"));
export const SPLITS = { test: read("test-questions.json"), dev: read("dev-questions.json") };
export const ENGLISH_FAQS = read("faqs.en.json");
export const SWEDISH_FAQS = read("faqs.sv.json");

/** A ticket limit of 10 an hour per customer: a shopper asks at most this many. */
const QUESTIONS_PER_SHOPPER = 10;

/**
 * What the AI did with a question: answered (from `top`: "faq-N", "order", another source, or
 * null for a reply without sources), offered suggestions (`suggestions`, best first), or handed
 * off; with its confidence in its best candidate.
 */
function outcome(note, faqIds) {
  const label = (source) =>
    source.kind === "order" ? "order" : source.kind === "faq" ? (faqIds.get(source.id) ?? `other:${source.id}`) : `${source.kind}:${source.id}`;
  const confidence = note?.confidence ?? 0;
  if (!note || note.handoff) return { decision: "handoff", top: null, suggestions: [], confidence };
  if (note.suggestions?.length) {
    const suggestions = note.suggestions.map(label);
    return { decision: "suggest", top: suggestions[0], suggestions, confidence };
  }
  return { decision: "answer", top: note.sources[0] ? label(note.sources[0]) : null, suggestions: [], confidence };
}

/**
 * Asks every question (in a fresh chat each) and records what came back. `faqIds` maps the
 * published FAQs' ids to the labels of the question set.
 */
export async function askAll({ questions, faqIds, shopper, openChat, tag, firstShopper }) {
  const results = [];
  let who = null;
  for (let i = 0; i < questions.length; i++) {
    if (i % QUESTIONS_PER_SHOPPER === 0) who = await shopper(firstShopper + i / QUESTIONS_PER_SHOPPER);
    const chat = await openChat(who);
    const { note } = await chat.ask(`${tag}-${i}`, questions[i].question);
    await chat.end();
    results.push({ ...questions[i], ...outcome(note, faqIds) });
  }
  return results;
}

/**
 * The figures had the server answered from `threshold` and suggested from `suggestFrom`
 * (order answers are rule-based: always taken). Exact at the thresholds the run used; at
 * another answering threshold, a question the run answered but that would now get suggestions
 * counts as right only when its answer was (its other suggestions are unknown): a lower bound.
 * A suggestion counts as an answer when the right FAQ is among them (the shopper picks it);
 * otherwise the shopper asks for a person, which is no false answer.
 */
function at(results, threshold, suggestFrom) {
  let answered = 0;
  let picked = 0;
  let wrong = 0;
  const answerable = results.filter((r) => r.expected !== "handoff").length;
  for (const r of results) {
    if (r.decision === "handoff") continue;
    if (r.top === "order" || r.confidence >= threshold) {
      if (r.top === r.expected) answered++;
      else wrong++;
    } else if (r.confidence >= Math.min(suggestFrom, threshold)) {
      const offered = r.decision === "suggest" ? r.suggestions : [r.top];
      if (offered.includes(r.expected)) picked++;
    }
  }
  const right = answered + picked;
  return {
    threshold,
    recall: answerable ? right / answerable : 0,
    falseRate: results.length ? wrong / results.length : 0,
    answered,
    picked,
    wrong,
    answerable,
  };
}

/** The best recall whose false-answer rate stays within `limit`, over every answering threshold the results allow. */
function recallAt(results, limit, suggestFrom) {
  const thresholds = [...new Set(results.map((r) => r.confidence)), 1.01].sort((a, b) => a - b);
  let best = null;
  for (const threshold of thresholds) {
    const point = at(results, threshold, suggestFrom);
    if (point.falseRate <= limit && (!best || point.recall > best.recall)) best = point;
  }
  return best;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

/** Prints one scenario's figures: at the server's thresholds, and the recall at 2% and 5% false answers. */
export function report(title, results, { threshold, suggestFrom }) {
  const point = at(results, threshold, suggestFrom);
  console.log(
    `  ${title}: ${results.length} questions (${point.answerable} answerable): recall ${pct(point.recall)} (${point.answered} answered, ${point.picked} picked from suggestions), false answers ${pct(point.falseRate)} (${point.wrong}) at the defaults (answer from ${threshold}, suggest from ${suggestFrom})`,
  );
  for (const limit of [0.02, 0.05]) {
    const best = recallAt(results, limit, suggestFrom);
    console.log(`    recall with at most ${pct(limit)} false answers: ${best ? `${pct(best.recall)} answering from ${best.threshold.toFixed(2)}` : "none"}`);
  }
  for (const r of results.filter((r) => r.decision === "answer" && r.top !== r.expected && (r.top === "order" || r.confidence >= threshold)))
    console.log(`    false: ${JSON.stringify(r.question)} answered from ${r.top} (${r.confidence.toFixed(2)}), expected ${r.expected}`);
}

/** Order intent: of the order answers given, how many were asked about the shopper's order, and how many order questions got one. */
export function reportOrderIntent(results) {
  const orderAnswers = results.filter((r) => r.decision === "answer" && r.top === "order");
  const precision = orderAnswers.length ? orderAnswers.filter((r) => r.expected === "order").length / orderAnswers.length : 1;
  const asked = results.filter((r) => r.expected === "order");
  const recall = asked.length ? asked.filter((r) => r.decision === "answer" && r.top === "order").length / asked.length : 0;
  const boundary = results.filter((r) => r.boundary).length;
  console.log(
    `  order intent on ${results.length} questions (${asked.length} about the shopper's order, ${boundary} near the boundary): precision ${pct(precision)} (${orderAnswers.length} order answers), recall ${pct(recall)}`,
  );
  for (const r of orderAnswers.filter((r) => r.expected !== "order"))
    console.log(`    answered with the order, but expected ${r.expected}: ${JSON.stringify(r.question)}`);
}
