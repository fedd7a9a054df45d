// What the agent inbox's browser tests share (inbox-signin, inbox-list, inbox-replying,
// inbox-ticket-status and inbox-offline .test.ts). They run in a real browser (Debian's Chromium
// via playwright-core) against `npm start`: agents sign in through the form and work tickets that
// scripted customers open and write in over the real widget API and sockets. The e2e files share
// one server and its data, so every test uses customers nobody used before, finds its own tickets
// by id, and puts back what it changes. playwright-core has no web-first assertions: every wait is
// expect.poll or waitFor.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn } from "./client";
import { agentContext, createAgent, ScriptedCustomer, signInPage, ticketReady } from "./inbox-fixtures";
import { freshCustomer } from "./widget-fixtures";

let browser: Browser;
export let adminCookie: string;
const contexts: BrowserContext[] = [];
const customers: ScriptedCustomer[] = [];
export const cleanups: Array<() => Promise<unknown>> = [];

/**
 * This file's connection to the run's Chromium and its admin's session, before its tests; after
 * each test, its scripted customers and browser contexts are closed and its cleanups run.
 */
export function useInboxBrowser() {
  beforeAll(async () => {
    [browser, adminCookie] = await Promise.all([connectChromium(), signIn()]);
  });

  afterEach(async () => {
    for (const customer of customers.splice(0)) customer.close();
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  afterAll(async () => {
    await browser?.close();
  });
}

export async function context(): Promise<BrowserContext> {
  const created = await agentContext(browser);
  contexts.push(created);
  return created;
}

/** A fresh customer who opens a chat and writes `first` (the ticket enters the inbox). */
export async function customerWrites(first: string, label = "inbox"): Promise<ScriptedCustomer> {
  const customer = new ScriptedCustomer(freshCustomer(label));
  customers.push(customer);
  await customer.start(first);
  return customer;
}

/** A new agent (its own login budget and name), made by the admin. */
export const newAgent = (label: string) => createAgent(adminCookie, "agent", label);

export const ticketOf = async (id: string) => (await ok(await http(`/api/tickets/${id}`, { cookie: adminCookie }))).ticket;
export const messagesOf = async (id: string): Promise<any[]> =>
  (await ok(await http(`/api/tickets/${id}/messages?limit=200`, { cookie: adminCookie }))).messages;

/** An agent signed in through the form with one ticket open, its thread shown and live. */
export async function agentOnTicket(ticketId: string, label = "agent") {
  const agent = await newAgent(label);
  const browserContext = await context();
  const page = await signInPage(browserContext, agent, `/tickets/${ticketId}`);
  await ticketReady(page, ticketId);
  return { agent, page, browserContext };
}

export const composer = (page: Page) => page.getByTestId("composer-input");

/** Types a reply in the composer and sends it with Enter. */
export async function reply(page: Page, body: string) {
  await composer(page).fill(body);
  await composer(page).press("Enter");
}

/** Waits for the agent message with this body to reach the customer; returns the frame. */
export function customerGets(customer: ScriptedCustomer, match: (frame: any) => boolean, timeout = 10_000) {
  return customer.socket.next((f) => f.type === "message" && f.author?.kind === "agent" && match(f), timeout);
}
