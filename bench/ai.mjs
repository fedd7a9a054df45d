// `npm run bench:ai`: how fast the AI agent's answer reaches the shopper, with the built-in
// answerer, over 200 questions. Parley runs as `npm start` runs it (a free port, its own state).
// 10 shoppers (each with an order on record) each ask 20 questions on the widget's WebSocket,
// one at a time: FAQ questions as written and paraphrased, and "where is my order?". The time
// runs from the customer's `ws.send` to the AI's `bot` message on the same socket (an answer, or
// a handoff, after which the shopper's next question starts a new chat); the AI's `typing`
// frame (its first sign of life) is timed too.
import { createHmac } from "node:crypto";
import { performance } from "node:perf_hooks";
import { askAll, ENGLISH_FAQS, report, reportOrderIntent, SPLITS, SWEDISH_FAQS } from "./ai-eval.mjs";
import { devVars, percentile, startBenchParley } from "./local-parley.mjs";

// `--split=dev` tunes on the development questions; the test split is the default, and the figure.
const SPLIT = process.argv.find((arg) => arg.startsWith("--split="))?.slice("--split=".length) ?? "test";
if (!(SPLIT in SPLITS)) throw new Error(`--split: dev or test, not ${SPLIT}`);
const EVALUATION = SPLITS[SPLIT];

const SHOPPERS = 10;
const KNOWLEDGE_CACHE_WAIT_MS = 11_000;
const QUESTIONS_EACH = 20;

const FAQS = ENGLISH_FAQS.map((faq) => [faq.question, faq.answer]);
const QUESTIONS = [
  ...FAQS.map(([question]) => question),
  "can I send back a sweater I haven't worn?",
  "how many days until my parcel arrives",
  "do you deliver to Norway?",
  "what size should I pick?",
  "how do I wash wool",
  "can I pay with Klarna?",
  "where is my order?",
  "has my order shipped yet?",
  "do you have a shop in Malmö?",
  "my jumper came with a hole in it",
];

const { base, stop, json } = await startBenchParley({ label: "ai", vars: { SEND_RATE_PER_10S: "100000" } });
const now = () => performance.now();

/** A shopper with an order on record and a widget session. */
async function shopper(vars, index) {
  const id = `bench-ai-${Date.now()}-${index}`;
  await json("/api/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${vars.API_KEY}` },
    body: JSON.stringify({
      profile: { externalId: id, name: `Shopper ${index}` },
      event: {
        name: "Placed Order",
        value: 1195,
        properties: { orderId: `#B${index}`, status: "shipped", items: [{ title: "Merino Crew Sweater", quantity: 1, price: 1195 }] },
      },
    }),
  });
  const userHash = createHmac("sha256", vars.IDENTITY_SECRET).update(id).digest("hex");
  const ip = { "CF-Connecting-IP": `127.60.${index >> 8}.${index & 255}` };
  const { token } = await json("/api/widget/session", {
    method: "POST",
    headers: ip,
    body: JSON.stringify({ customer: { id, name: `Shopper ${index}` }, userHash }),
  });
  return { token, headers: { ...ip, Authorization: `Bearer ${token}` } };
}

/** A new chat of the shopper's, whose socket hands each frame to whoever waits for it. */
async function openChat(who, locale = null) {
  const { ticket } = await json("/api/widget/conversations", { method: "POST", headers: who.headers, body: JSON.stringify(locale ? { locale } : {}) });
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(who.token)}&after=0`);
  let waiting = null;
  ws.addEventListener("message", (event) => waiting?.(JSON.parse(String(event.data))));
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", () => reject(new Error("shopper socket failed")));
  });
  return {
    /** Ends the chat (after a handoff the AI no longer answers it) and closes the socket. */
    async end() {
      const closed = new Promise((resolve) => (waiting = (frame) => frame.type === "status" && frame.status === "closed" && resolve()));
      ws.send(JSON.stringify({ type: "end" }));
      await closed;
      ws.close();
    },
    /** Sends a question; resolves with the AI's reply (an answer or a handoff) and the times to it and to its typing frame. */
    ask(clientId, body) {
      return new Promise((resolve, reject) => {
        const sentAt = now();
        let typingAt = null;
        const timer = setTimeout(() => reject(new Error(`no reply from the AI to ${JSON.stringify(body)} in 10 s`)), 10_000);
        waiting = (frame) => {
          if (frame.type === "typing" && frame.by === "agent" && typingAt === null) typingAt = now();
          if (frame.type === "message" && frame.author.kind === "bot") {
            clearTimeout(timer);
            waiting = null;
            resolve({ handedOff: Boolean(frame.ai?.handoff), note: frame.ai ?? null, reply: now() - sentAt, typing: (typingAt ?? now()) - sentAt });
          }
        };
        ws.send(JSON.stringify({ type: "send", clientId, body }));
      });
    },
  };
}

try {
  const vars = devVars();
  const login = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD }),
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status}`);
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const admin = { Cookie: cookie };
  /** Publishes FAQs and answers their ids by the question set's labels (faq-0 … faq-9). */
  const publish = async (faqs) => {
    const ids = new Map();
    for (const [i, [question, answer]] of faqs.entries()) {
      const created = await json("/api/faqs", { method: "POST", headers: admin, body: JSON.stringify({ question, answer, published: true }) });
      ids.set(created.id, `faq-${i}`);
    }
    return ids;
  };
  const englishIds = await publish(FAQS);
  await json("/api/settings", {
    method: "PATCH",
    headers: admin,
    body: JSON.stringify({ ai: { enabled: true, provider: "builtin", handoff: "inbox", maxTurns: 20 } }),
  });

  const replies = [];
  const typings = [];
  let handoffs = 0;
  for (let s = 0; s < SHOPPERS; s++) {
    const who = await shopper(vars, s + 1);
    let chat = await openChat(who);
    for (let q = 0; q < QUESTIONS_EACH; q++) {
      const { handedOff, reply, typing } = await chat.ask(`q-${s}-${q}`, QUESTIONS[(s + q) % QUESTIONS.length]);
      replies.push(reply);
      typings.push(typing);
      if (!handedOff) continue;
      // A handed-off chat is the team's: the shopper's next question starts a new one.
      handoffs += 1;
      await chat.end();
      chat = await openChat(who);
    }
    await chat.end();
  }
  const fmt = (xs) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(
    `AI agent (built-in answerer), ${replies.length} questions from ${SHOPPERS} shoppers, one at a time (${replies.length - handoffs} answered, ${handoffs} handed off):`,
  );
  console.log(`  customer send → the AI's reply on the shopper's socket: ${fmt(replies)}`);
  console.log(`  customer send → the AI's typing frame: ${fmt(typings)}`);
  console.log(
    "  left out: a model's own time (the built-in answerer runs in the Worker; an OpenAI-compatible endpoint or Workers AI adds its own)," +
      " other load (one question at a time), any network (loopback, no TLS); a handoff's reply is timed like an answer;" +
      " the Worker reads the store's knowledge once and keeps it (refreshed when a FAQ changes): the first question of the run paid for reading it",
  );

  // The evaluation split: each question as the first message of a chat of its own.
  const ask = (questions, faqIds, tag, firstShopper, locale = null) =>
    askAll({ questions, faqIds, shopper: (i) => shopper(vars, i), openChat: (who) => openChat(who, locale), tag, firstShopper });
  const { ai } = await json("/api/settings", { headers: admin });
  const defaults = { threshold: ai.threshold, suggestFrom: ai.suggestions.enabled ? ai.suggestions.threshold : Infinity };
  const byLanguage = (language) => EVALUATION.filter((q) => q.language === language);
  console.log(
    SPLIT === "test"
      ? `Held-out test split (bench/ai-eval/test-questions.json, ${EVALUATION.length} questions, never tuned on), the bench's 10 FAQs:`
      : `Development split (bench/ai-eval/dev-questions.json, ${EVALUATION.length} questions, the one to tune on), the bench's 10 FAQs:`,
  );
  const withEnglishFaqs = await ask(EVALUATION, englishIds, `eval-${SPLIT}-en`, 100);
  report(
    "English questions, English FAQs",
    withEnglishFaqs.filter((r) => r.language === "en"),
    defaults,
  );
  report(
    "Swedish questions, English FAQs",
    withEnglishFaqs.filter((r) => r.language === "sv"),
    defaults,
  );
  reportOrderIntent(withEnglishFaqs);
  // The store writes each FAQ in Swedish too; Swedish shoppers' chats say so (the widget sends the locale).
  for (const [id, label] of englishIds) {
    const sv = SWEDISH_FAQS[Number(label.slice("faq-".length))];
    await json(`/api/faqs/${id}`, {
      method: "PATCH",
      headers: admin,
      body: JSON.stringify({ translations: { sv: { question: sv.question, answer: sv.answer } } }),
    });
  }
  // Each isolate keeps the store's knowledge for up to 10 s (worker/lib/ai/agent.ts): wait it out, so no answer comes from the English-only FAQs.
  await new Promise((resolve) => setTimeout(resolve, KNOWLEDGE_CACHE_WAIT_MS));
  const withSwedishFaqs = await ask(byLanguage("sv"), englishIds, `eval-${SPLIT}-sv`, 200, "sv");
  report("Swedish questions in Swedish chats, the FAQs with Swedish versions", withSwedishFaqs, defaults);
  console.log(
    "  recall: (right FAQ or the shopper's order answered + right FAQ among the suggestions) / questions a FAQ or the order answers; false answers: a wrong FAQ, the order when not asked, or an answer to a question that must be handed off / all questions;" +
      " suggestions without the right FAQ count as neither (the shopper asks for a person)",
  );
} finally {
  await stop();
}
