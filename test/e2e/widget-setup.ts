// What the storefront widget's browser tests share (widget-chat and widget-store .test.ts): Debian's
// Chromium via playwright-core against `npm start`, checked against the widget's DOM contract in
// docs/widget.md, with a scripted agent on the agent WebSocket on the other side of each chat.
// The files share one server and its settings, so every test puts back what it changes.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn, Socket } from "./client";
import { type Customer, newContext, recordStatuses, sessionFor, ui, visible } from "./widget-fixtures";

let browser: Browser;
export let admin: string;
const contexts: BrowserContext[] = [];
const sockets: Socket[] = [];

/** One published FAQ the launcher tests rely on (with no FAQs and no chat, there is no launcher). */
export const SHARED_FAQ = { question: "Can I return a sweater?", answer: "Yes, within 30 days, unworn." };

let sharedFaqId: string | undefined;

/**
 * This file's connection to the run's Chromium, its admin's session and the shared FAQ, before
 * its tests; after each test, its sockets and browser contexts are closed.
 */
export function useWidgetBrowser() {
  beforeAll(async () => {
    [browser, admin] = await Promise.all([connectChromium(), signIn()]);
    sharedFaqId = (await createFaq(SHARED_FAQ.question, SHARED_FAQ.answer)).id;
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    if (sharedFaqId) await http(`/api/faqs/${sharedFaqId}`, { method: "DELETE", cookie: admin });
  });
}

export async function context(): Promise<BrowserContext> {
  const created = await newContext(browser);
  contexts.push(created);
  return created;
}

export function socket(path: string): Socket {
  const created = new Socket(path, admin);
  sockets.push(created);
  return created;
}

export async function createFaq(question: string, answer: string, published = true): Promise<{ id: string }> {
  const created = await ok(await http("/api/faqs", { method: "POST", cookie: admin, json: { question, answer, published } }), 201);
  return created;
}

/** Launcher → "I still need help" → the chat view's composer. */
export async function openChatView(page: Page) {
  const w = ui(page);
  await visible(w.launcher);
  await w.launcher.click();
  await visible(w.panel);
  await visible(w.needHelp);
  await w.needHelp.click();
  await visible(w.input);
}

export async function typeAndSend(page: Page, body: string) {
  const w = ui(page);
  await w.input.fill(body);
  await w.input.press("Enter");
}

/**
 * The shopper writes the first message in the widget; the scripted agent finds the new ticket
 * on the inbox socket and joins it on the agent socket, where the message arrives.
 */
export async function startLiveChat(page: Page, customer: Customer, firstBody: string, beforeSend?: () => Promise<void>) {
  const { profileId, token } = await sessionFor(customer);
  const inbox = socket("/api/inbox/ws");
  await inbox.opened;
  await inbox.type("counts");
  await openChatView(page);
  await beforeSend?.();
  await recordStatuses(page);
  await typeAndSend(page, firstBody);
  const arrived = await inbox.next((f) => f.type === "ticket" && f.ticket.profileId === profileId, 10_000);
  const ticketId: string = arrived.ticket.id;
  const agent = socket(`/api/tickets/${ticketId}/ws?after=0`);
  await agent.opened;
  await agent.type("hello");
  const first = await agent.next((f) => f.type === "message" && f.body === firstBody);
  expect(first).toMatchObject({ seq: 1, author: { kind: "customer", name: customer.name } });
  expect(first.clientId).toEqual(expect.any(String));
  return { ticketId, agent, inbox, first, profileId, token };
}

/** The scripted agent replies and waits for the server to store the reply. */
export async function agentSays(agent: Socket, body: string, clientId: string): Promise<number> {
  agent.send({ type: "send", clientId, body });
  return (await agent.next((f) => f.type === "ack" && f.clientId === clientId)).seq;
}

export const messageBySeq = (page: Page, seq: number) => page.locator(`[data-parley="message"][data-seq="${seq}"]`);
export const messageByClientId = (page: Page, clientId: string) => page.locator(`[data-parley="message"][data-client-id="${clientId}"]`);
export const bodyOf = (message: ReturnType<Page["locator"]>) => message.locator('[data-parley="body"]');
