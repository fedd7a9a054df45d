// The AI agent between "sure" and "no idea": it offers the best FAQs as suggestions, the shopper
// picks one (answered, and recorded) or asks for a person; and "That didn't help" after an answer.
import { describe, expect, it } from "vitest";
import { agentSocket, call, customer, customerSocket, eventually, json, sendAndWait } from "./helpers";
import { admin, agent, botMessages, chat, record, setAi, track, useAiAgent } from "./ai-agent-fixtures";

useAiAgent();

const RETURNS_ANSWER = "You can return unworn items within 30 days for a full refund.";

/** The AI on, sure only of a perfect match, and suggesting from any match at all: every known question gets suggestions. */
const suggestingAlways = () => setAi({ enabled: true, threshold: 1, suggestions: { enabled: true, threshold: 0.01 } });

async function suggested(question: string) {
  const conversation = await chat();
  await sendAndWait(conversation.socket, "q1", question);
  const offer = await conversation.socket.next((f) => f.type === "message" && f.author.kind === "bot");
  return { ...conversation, offer };
}

describe("suggestions at medium confidence", () => {
  it("offers the matching FAQ; picking it answers with the FAQ, noted as picked, and the ticket stays with the AI", async () => {
    await suggestingAlways();
    const { socket, offer, ticket } = await suggested("can i send my order back if i change my mind?");
    expect(offer.ai.suggestions[0]).toMatchObject({ kind: "faq", title: "What is your return policy?" });
    expect(offer.ai.sources).toEqual([]);
    expect(offer.ai.handoff).toBeUndefined();
    expect(offer.body).toContain("• What is your return policy?");

    socket.send({ type: "pick", seq: offer.seq, id: offer.ai.suggestions[0].id });
    const answer = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(answer.body).toBe(RETURNS_ANSWER);
    expect(answer.ai).toMatchObject({ pickedFrom: offer.seq, sources: [{ kind: "faq", id: offer.ai.suggestions[0].id }] });
    expect((await record(ticket.id)).handledByAi).toBe(true);

    // The inbox reads what was offered and what was taken.
    const { messages } = await json(await call(`/api/tickets/${ticket.id}/messages`, { cookie: admin }), 200);
    const bot = messages.filter((m: { author: { kind: string } }) => m.author.kind === "bot");
    expect(bot.map((m: { ai: unknown }) => m.ai)).toEqual([offer.ai, answer.ai]);
  });

  it("refuses a second pick and a pick of something not offered, and answers nothing more", async () => {
    await suggestingAlways();
    const { socket, offer } = await suggested("what is the return policy for sale items?");
    const id = offer.ai.suggestions[0].id;

    socket.send({ type: "pick", seq: offer.seq, id: "faq_not_offered" });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("did not suggest") });
    socket.send({ type: "pick", seq: offer.seq + 5, id });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("offers nothing to pick") });
    for (const bad of [
      { type: "pick", seq: 0, id },
      { type: "pick", seq: offer.seq },
      { type: "pick", seq: "1", id },
    ]) {
      socket.send(bad);
      expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame" });
    }
    expect(botMessages(socket)).toHaveLength(1);

    socket.send({ type: "pick", seq: offer.seq, id });
    await socket.next((f) => f.type === "message" && f.author.kind === "bot" && f.ai.pickedFrom === offer.seq);
    socket.send({ type: "pick", seq: offer.seq, id });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("offers nothing to pick") });
    await eventually(async () => expect(botMessages(socket)).toHaveLength(2));
  });

  it("retires an offer when a newer one comes", async () => {
    await suggestingAlways();
    const { socket, offer } = await suggested("what is the return policy for sale items?");
    await sendAndWait(socket, "q2", "and for items bought online, what is the return policy?");
    const newer = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(newer.ai.suggestions.length).toBeGreaterThan(0);
    socket.send({ type: "pick", seq: offer.seq, id: offer.ai.suggestions[0].id });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("offers nothing to pick") });
    socket.send({ type: "pick", seq: newer.seq, id: newer.ai.suggestions[0].id });
    expect((await socket.next((f) => f.type === "message" && f.author.kind === "bot")).ai.pickedFrom).toBe(newer.seq);
  });

  it('hands off instead when suggestions are off, and "No, talk to a person" still hands off after an offer', async () => {
    await setAi({ enabled: true, threshold: 1, suggestions: { enabled: false, threshold: 0.01 } });
    const off = await suggested("can i send my order back if i change my mind?");
    expect(off.offer.ai.handoff).toEqual({ reason: "low_confidence", target: "inbox" });

    await suggestingAlways();
    const { socket, offer, ticket } = await suggested("can i send my order back if i change my mind?");
    expect(offer.ai.suggestions).toHaveLength(1);
    socket.send({ type: "handoff" });
    const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(told.ai.handoff).toEqual({ reason: "asked_for_human", target: "inbox" });
    const pick = { type: "pick", seq: offer.seq, id: offer.ai.suggestions[0].id };
    socket.send(pick);
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("offers nothing to pick") });
    // Picking is the shopper's: an agent's socket can't answer for them.
    const agentView = track(await agentSocket(ticket.id, agent.cookie));
    await agentView.nextOfType("hello");
    agentView.send(pick);
    expect(await agentView.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("only the customer") });
  });

  it("refuses suggestion settings above the answering threshold, and changes nothing", async () => {
    const before = await json(await call("/api/settings", { cookie: admin }), 200);
    const refused = await call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { threshold: 0.4, suggestions: { threshold: 0.6 } } } });
    expect(refused.status).toBe(400);
    expect((await json(refused, 400)).error.message).toContain("suggestions.threshold");
    expect(await json(await call("/api/settings", { cookie: admin }), 200)).toEqual(before);
  });
});

describe("That didn't help", () => {
  it("hands off with the reason, the conversation so far in the inbox", async () => {
    await setAi({ enabled: true, threshold: 0.3 });
    const { socket, ticket } = await chat();
    await sendAndWait(socket, "q1", "What is your return policy?");
    const answer = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(answer.body).toBe(RETURNS_ANSWER);

    socket.send({ type: "handoff", reason: "not_helpful" });
    const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(told.ai.handoff).toEqual({ reason: "not_helpful", target: "inbox" });
    const summary = await socket.next((f) => f.type === "message" && f.author.kind === "system");
    expect(summary.body).toMatch(/didn't help/);
    const { messages } = await json(await call(`/api/tickets/${ticket.id}/messages`, { cookie: admin }), 200);
    expect(messages.map((m: { body: string }) => m.body).slice(0, 2)).toEqual(["What is your return policy?", RETURNS_ANSWER]);

    socket.send({ type: "handoff", reason: "because" });
    expect(await socket.nextOfType("error")).toMatchObject({ code: "invalid_frame", message: expect.stringContaining("reason") });
  });
});

/** A chat of a new shopper, started in `locale` as the widget starts it, and its socket. */
async function chatIn(locale: string) {
  const shopper = await customer();
  const { ticket } = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token, json: { locale } }), 201);
  const socket = track(await customerSocket(ticket.id, shopper.token));
  await socket.nextOfType("hello");
  return socket;
}

describe("the shopper's language", () => {
  it("hands off with the store's handoff message in the chat's language where it wrote one", async () => {
    await setAi({ enabled: true, handoffMessage: "Let me get you a person from our team." });
    const sv = "Jag hämtar en kollega åt dig.";
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { translations: { sv: { handoffMessage: sv } } } }), 200);
    try {
      for (const [locale, expected] of [
        ["sv", sv],
        ["de", "Let me get you a person from our team."],
      ]) {
        const socket = await chatIn(locale!);
        await sendAndWait(socket, "q1", "Can I talk to a human please?");
        expect((await socket.next((f) => f.type === "message" && f.author.kind === "bot")).body).toBe(expected);
      }
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { translations: { sv: null } } }), 200);
    }
  });

  it("answers a chat started in Swedish from the Swedish version of a FAQ, and an English chat from the English one", async () => {
    await setAi({ enabled: true, threshold: 0.3 });
    const sv = { question: "Kan jag få presentinslagning?", answer: "Ja, vi slår in gratis i kassan." };
    const faq = await json(
      await call("/api/faqs", {
        method: "POST",
        cookie: admin,
        json: { question: "Do you offer gift wrapping?", answer: "Yes, we gift wrap for free at checkout.", published: true, translations: { sv } },
      }),
      201,
    );
    try {
      const answers: Record<string, string> = {};
      for (const [locale, question] of [
        ["sv", "Erbjuder ni presentinslagning?"],
        ["en", "Do you offer gift wrapping?"],
      ]) {
        const socket = await chatIn(locale!);
        await sendAndWait(socket, "q1", question!);
        const reply = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
        expect(reply.ai.sources[0]).toMatchObject({ kind: "faq", id: faq.id });
        answers[locale!] = reply.body;
      }
      expect(answers).toEqual({ sv: sv.answer, en: "Yes, we gift wrap for free at checkout." });
    } finally {
      await call(`/api/faqs/${faq.id}`, { method: "DELETE", cookie: admin });
    }
  });
});
