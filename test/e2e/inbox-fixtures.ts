// Helpers for the inbox's browser tests: an agent signed in through the sign-in form, the
// inbox's DOM contract (docs/inbox.md: data-testid names) and a scripted customer who chats
// over the real widget API.
import { expect, inject } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { http, ok, Socket } from "./client";
import { base, freshCustomer, sessionFor, uniqueIp, type Customer } from "./widget-fixtures";

export type Agent = { email: string; password: string };

export const admin = (): Agent => inject("admin");

/** An agent account of the given role, made by the admin through the API. */
export async function createAgent(adminCookie: string, role: "admin" | "agent", label: string): Promise<Agent & { id: string; name: string }> {
  const email = `${label}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "correct-horse-battery";
  const name = `${label[0]!.toUpperCase()}${label.slice(1)} ${Math.floor(Math.random() * 1000)}`;
  const { agent } = await ok(await http("/api/agents", { method: "POST", cookie: adminCookie, json: { email, name, role, password } }), 201);
  return { email, password, name, id: agent.id };
}

/** A browser context of its own (its own client IP for the rate limits), at 1280×800 unless told. */
export async function agentContext(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, extraHTTPHeaders: { "CF-Connecting-IP": uniqueIp() } });
  await context.grantPermissions(["local-network-access"], { origin: base() }).catch(() => undefined);
  return context;
}

/** Opens the inbox at `/` and signs in through the form. */
export async function signInPage(context: BrowserContext, agent: Agent = admin(), path = "/"): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base()}${path}`);
  await page.getByTestId("signin-email").fill(agent.email);
  await page.getByTestId("signin-password").fill(agent.password);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("nav-inbox").waitFor();
  return page;
}

/** The inbox's elements by their data-testid (docs/inbox.md). */
export function inbox(page: Page) {
  const id = (name: string) => page.getByTestId(name);
  return {
    id,
    row: (ticketId: string) => page.locator(`[data-testid="ticket-row"][data-ticket-id="${ticketId}"]`),
    message: (seq: number) => page.locator(`[data-testid="message"][data-seq="${seq}"]`),
    messageWithBody: (body: string) => page.locator('[data-testid="message"]').filter({ has: page.getByTestId("message-body").getByText(body, { exact: true }) }),
  };
}

/** A shopper with a live chat: a widget session, a ticket, and the customer's socket on it. */
export class ScriptedCustomer {
  socket!: Socket;
  ticketId!: string;
  profileId!: string;
  token!: string;
  private sent = 0;

  constructor(readonly customer: Customer = freshCustomer("inbox")) {}

  get name(): string {
    return this.customer.name;
  }

  /** Starts the chat and writes the first message (which puts the ticket in the inbox). */
  async start(firstBody: string): Promise<number> {
    const session = await sessionFor(this.customer);
    this.token = session.token;
    this.profileId = session.profileId;
    const { ticket } = await ok(await http("/api/widget/conversations", { method: "POST", token: this.token, ip: uniqueIp() }), 201);
    this.ticketId = ticket.id;
    this.socket = new Socket(`/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(this.token)}&after=0`);
    await this.socket.opened;
    await this.socket.type("hello");
    return this.say(firstBody);
  }

  /** Sends a message and waits for its ack; returns its seq. */
  async say(body: string): Promise<number> {
    const clientId = `customer-${this.ticketId}-${++this.sent}`;
    this.socket.send({ type: "send", clientId, body });
    return (await this.socket.next((f) => f.type === "ack" && f.clientId === clientId)).seq;
  }

  close() {
    this.socket?.close();
  }
}

/** Waits until `read` says what `expected` is (playwright-core has no web-first assertions). */
export async function until<T>(read: () => Promise<T>, expected: T, timeout = 8_000) {
  await expect.poll(read, { timeout }).toEqual(expected);
}
