// What the AI agent's tests share (ai-agent-answers, -handoff, -helpdesk and -safety .test.ts):
// the local wire services (wire-control.ts), the file's admin and agent with the knowledge the AI
// answers from, and chats with the AI's settings put back after each test.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll } from "vitest";
import { ADMIN, addAgent, call, Client, customer, customerSocket, json, login, startChat } from "./helpers";
import { wireScope } from "./wire-control";

export const wire = wireScope();
export let admin: string;
export let agent: { cookie: string; agent: { id: string } };
const sockets: Client[] = [];

export const track = (client: Client) => (sockets.push(client), client);

/**
 * This file's admin and agent, and a published FAQ and an article to answer from, before its
 * tests; after each test, its sockets closed, the wire services reset and the AI set back to off.
 */
export function useAiAgent() {
  beforeAll(async () => {
    admin = await login(ADMIN.email, ADMIN.password);
    agent = await addAgent(admin, "agent");
    await json(
      await call("/api/faqs", {
        method: "POST",
        cookie: admin,
        json: { question: "What is your return policy?", answer: "You can return unworn items within 30 days for a full refund.", published: true },
      }),
      201,
    );
    await json(
      await call("/api/articles", {
        method: "POST",
        cookie: admin,
        json: {
          title: "Caring for merino wool",
          body: "Wash merino wool by hand in cold water with a wool detergent.\n\nDry merino flat, away from direct heat, so it keeps its shape.",
        },
      }),
      201,
    );
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await wire.reset();
    await setAi({
      enabled: false,
      handoff: "inbox",
      provider: "builtin",
      maxTurns: 3,
      handoffMessage: "Let me get you a person from our team.",
      openai: { baseUrl: null, model: "" },
      zendesk: { baseUrl: null, email: null },
      gorgias: { baseUrl: null, email: null },
    });
  });
}

export async function setAi(ai: Record<string, unknown>) {
  return json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { ai } }), 200);
}

export async function storeEvent(externalId: string, event: Record<string, unknown>) {
  await json(
    await call("/api/events", { method: "POST", token: env.API_KEY, json: { profile: { externalId, email: `${externalId}@example.com` }, event } }),
    202,
  );
}

/** A customer with an open chat and their socket. */
export async function chat(externalId?: string) {
  const shopper = await customer(externalId);
  const ticket = await startChat(shopper.token);
  const socket = track(await customerSocket(ticket.id, shopper.token));
  const hello = await socket.nextOfType("hello");
  return { shopper, ticket, socket, hello };
}

export const botMessages = (client: Client) => client.messages().filter((m) => m.author.kind === "bot");

export async function record(ticketId: string, cookie = admin) {
  return (await json(await call(`/api/tickets/${ticketId}`, { cookie }), 200)).ticket;
}

export async function listed(query: string, cookie = admin): Promise<string[]> {
  const { tickets } = await json(await call(`/api/tickets?${query}&limit=100`, { cookie }), 200);
  return tickets.map((t: { id: string }) => t.id);
}
