// What the realtime tests share (realtime-messages, realtime-frames and realtime-ticket-state
// .test.ts): frame helpers, REST calls on a ticket, the file's admin, and chats to test on.
import { env } from "cloudflare:workers";
import { beforeAll, expect } from "vitest";
import type { MessageT } from "../../contract";
import { Client, agentSocket, call, customer, customerSocket, json, login, sendAndWait, startChat } from "./helpers";

/**
 * A ping the runtime's auto-response does not match (leading space), so the ticket's object
 * itself answers it, in order with the frames before it. When its pong arrives, every frame the
 * object sent to this socket before handling it has arrived too.
 */
export async function barrier(c: Client): Promise<void> {
  c.send(' {"type":"ping"}');
  await c.nextOfType("pong");
}

export async function expectAck(c: Client, clientId: string, body: string, seq: number) {
  expect(await sendAndWait(c, clientId, body)).toEqual({ type: "ack", clientId, seq });
}

export const framesAfter = (c: Client, from: number) => c.frames.slice(from);

export const msgSeqs = (c: Client) => c.messages().map((m) => m.seq);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export async function history(ticketId: string, cookie: string): Promise<MessageT[]> {
  return (await json<{ messages: MessageT[] }>(await call(`/api/tickets/${ticketId}/messages?limit=200`, { cookie }), 200)).messages;
}

export const restReply = (ticketId: string, cookie: string, clientId: string, body: string) =>
  call(`/api/tickets/${ticketId}/messages`, { method: "POST", cookie, json: { clientId, body } });

export const stubOf = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));

export let admin: string;
export let adminAgent: { id: string; name: string };

/** Signs this file's admin in (and reads its agent record) before the file's tests. */
export function useRealtimeAdmin() {
  beforeAll(async () => {
    admin = await login();
    adminAgent = (await json(await call("/api/me", { cookie: admin }), 200)).agent;
  });
}

/** A fresh customer with a fresh ticket and a connected customer socket (hello taken). */
export async function chat() {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const c = await customerSocket(ticket.id, shopper.token);
  expect(await c.nextOfType("hello")).toEqual({
    type: "hello",
    ticketId: ticket.id,
    status: "open",
    lastSeq: 0,
    reads: { customer: 0, agent: 0 },
    aiMode: null,
    rating: null,
  });
  return { shopper, ticket, c };
}

/** chat() plus a first customer message (so agents can see the ticket) and an agent socket. */
export async function twoSided() {
  const base = await chat();
  await expectAck(base.c, "c-first", "Hello there", 1);
  const a = await agentSocket(base.ticket.id, admin);
  await a.nextOfType("hello");
  await a.next((f) => f.type === "message" && f.seq === 1);
  return { ...base, a };
}
