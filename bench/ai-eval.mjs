// The held-out evaluation of `npm run bench:ai`: how often the AI agent answers shoppers' own
// words rightly, on a test split nobody tuned on (bench/ai-eval/test-questions.json, written
// from the FAQ list alone, without sight of the project's question tables or synonyms).
// Each question is asked in a chat of its own, on the widget's socket, as the first message.
// The AI's note says what it answered from, or, when it handed off, its best candidates and
// their confidence: so one pass gives the figures at every threshold, and a curve.
import { readFileSync } from "node:fs";

const read = (name) => JSON.parse(readFileSync(new URL(`./ai-eval/${name}`, import.meta.url), "utf8"));
export const TEST_QUESTIONS = read("test-questions.json");
export const SWEDISH_FAQS = read("faqs.sv.json");

/** A ticket limit of 10 an hour per customer: a shopper asks at most this many. */
const QUESTIONS_PER_SHOPPER = 10;

/** What the AI did with a question: its best candidate ("faq-N", "order", another source, or null) and its confidence. */
function outcome(note, faqIds) {
  const top = note?.sources?.[0];
  if (!top) return { top: null, confidence: note?.confidence ?? 0, handedOff: Boolean(note?.handoff) };
  const label = top.kind === "order" ? "order" : top.kind === "faq" ? (faqIds.get(top.id) ?? `other:${top.id}`) : `${top.kind}:${top.id}`;
  return { top: label, confidence: top.score, handedOff: Boolean(note.handoff) };
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

/** The figures at confidence threshold `threshold` (order answers are rule-based: always taken). */
function at(results, threshold) {
  let right = 0;
  let wrong = 0;
  const answerable = results.filter((r) => r.expected !== "handoff").length;
  for (const r of results) {
    const answered = r.top !== null && (r.top === "order" ? !r.handedOff : r.confidence >= threshold);
    if (!answered) continue;
    if (r.top === r.expected) right++;
    else wrong++;
  }
  return { threshold, recall: answerable ? right / answerable : 0, falseRate: results.length ? wrong / results.length : 0, right, wrong, answerable };
}

/** The best recall whose false-answer rate stays within `limit`, over every threshold the results allow. */
function recallAt(results, limit) {
  const thresholds = [...new Set(results.map((r) => r.confidence)), 1.01].sort((a, b) => a - b);
  let best = null;
  for (const threshold of thresholds) {
    const point = at(results, threshold);
    if (point.falseRate <= limit && (!best || point.recall > best.recall)) best = point;
  }
  return best;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

/** Prints one scenario's figures: at the server's threshold, and the recall at 2% and 5% false answers. */
export function report(title, results, threshold) {
  const point = at(results, threshold);
  console.log(
    `  ${title}: ${results.length} questions (${point.answerable} answerable): recall ${pct(point.recall)} (${point.right}), false answers ${pct(point.falseRate)} (${point.wrong}) at the default threshold ${threshold}`,
  );
  for (const limit of [0.02, 0.05]) {
    const best = recallAt(results, limit);
    console.log(`    recall with at most ${pct(limit)} false answers: ${best ? `${pct(best.recall)} at threshold ${best.threshold.toFixed(2)}` : "none"}`);
  }
}

/** Order intent on the boundary questions: of the order answers given, how many were asked about an order, and how many order questions got one. */
export function reportOrderIntent(results) {
  const boundary = results.filter((r) => r.boundary);
  const answeredOrder = boundary.filter((r) => r.top === "order" && !r.handedOff);
  const precision = answeredOrder.length ? answeredOrder.filter((r) => r.expected === "order").length / answeredOrder.length : 1;
  const asked = boundary.filter((r) => r.expected === "order");
  const recall = asked.length ? asked.filter((r) => r.top === "order" && !r.handedOff).length / asked.length : 0;
  console.log(
    `  order intent on ${boundary.length} boundary questions (${asked.length} about the shopper's order): precision ${pct(precision)} (${answeredOrder.length} order answers), recall ${pct(recall)}`,
  );
  for (const r of answeredOrder.filter((r) => r.expected !== "order"))
    console.log(`    answered with the order, but expected ${r.expected}: ${JSON.stringify(r.question)}`);
}
