// Helpers for the inbox's browser tests: an agent signed in through the sign-in form, the
// inbox's DOM contract (docs/inbox.md: data-testid names) and a scripted customer who chats
// over the real widget API.
import { expect } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { deflateSync } from "node:zlib";
import { fileAdmin, http, ok, Socket } from "./client";
import { base, freshCustomer, sessionFor, uniqueIp, type Customer } from "./widget-fixtures";

export type Agent = { email: string; password: string };

export const admin = (): Promise<Agent> => fileAdmin();

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
export async function signInPage(context: BrowserContext, agent?: Agent, path = "/"): Promise<Page> {
  agent ??= await admin();
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
    messageWithBody: (body: string) =>
      page.locator('[data-testid="message"]').filter({ has: page.getByTestId("message-body").getByText(body, { exact: true }) }),
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

// ---------------------------------------------------------------------------------------------
// Added for the agent inbox's tests (test/e2e/inbox-*.test.ts; what those files share besides
// these is in inbox-setup.ts).

/** What the scripted customer's socket has received from agents, in arrival order. */
export function agentMessagesTo(customer: ScriptedCustomer): any[] {
  return customer.socket.frames.filter((f) => f.type === "message" && f.author?.kind === "agent");
}

/** The customer says it has seen everything up to `seq`. */
export function customerReads(customer: ScriptedCustomer, seq: number) {
  customer.socket.send({ type: "read", seq });
}

/** The customer is typing. */
export function customerTypes(customer: ScriptedCustomer) {
  customer.socket.send({ type: "typing" });
}

/** The first open SMS ticket `match` picks, once the inbox's index has it: D1 gets a ticket a moment after its object does. */
export async function openSmsTicket(
  cookie: string,
  match: (ticket: { id: string; profileId: string; preview: string | null }) => boolean,
  what: string,
): Promise<string> {
  let ticketId: string | undefined;
  await expect
    .poll(
      async () => {
        const { tickets } = await ok<{ tickets: Array<{ id: string; profileId: string; preview: string | null }> }>(
          await http("/api/tickets?channel=sms&status=open&limit=100", { cookie }),
        );
        ticketId = tickets.find(match)?.id;
        return ticketId;
      },
      { message: what, timeout: 10_000 },
    )
    .toBeTruthy();
  return ticketId!;
}

/** Waits until the inbox has its live socket and its first page of tickets (or says it has none). */
export async function inboxReady(page: Page, timeout = 10_000) {
  await page.locator('[data-testid="ticket-list"], [data-testid="list-empty"]').first().waitFor({ state: "visible", timeout });
  await expect.poll(() => page.getByTestId("inbox-offline").count(), { timeout }).toBe(0);
}

/** Waits until the open ticket's thread is shown and its socket is connected. */
export async function ticketReady(page: Page, ticketId: string, timeout = 10_000) {
  await page.locator(`[data-testid="ticket-view"][data-ticket-id="${ticketId}"] [data-testid="thread"]`).waitFor({ state: "visible", timeout });
  await expect.poll(() => page.getByTestId("reconnecting").count(), { timeout }).toBe(0);
}

/** The unread badge's number (0 when the badge is not shown). */
export async function badgeCount(page: Page): Promise<number> {
  const badge = page.getByTestId("inbox-badge");
  if ((await badge.count()) === 0) return 0;
  const text = (await badge.textContent({ timeout: 500 }).catch(() => null)) ?? "";
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

/** The tab title the inbox should show for `unread` unread tickets. */
export const inboxTitle = (unread: number) => (unread > 0 ? `(${unread}) Inbox · Parley` : "Inbox · Parley");

/**
 * Marks the page's JavaScript world; `stillSamePage` is true only while no reload or navigation
 * has replaced it (a live update must not come from reloading the page).
 */
export async function markPage(page: Page) {
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
}
export const stillSamePage = (page: Page) => page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument === true);

/** The thread as data, in DOM order. */
export function threadMessages(
  page: Page,
): Promise<Array<{ seq: string | undefined; author: string | undefined; body: string | null | undefined; status: string | undefined }>> {
  return page.locator('[data-testid="message"]').evaluateAll((elements) =>
    elements.map((element) => {
      const e = element as HTMLElement;
      return { seq: e.dataset.seq, author: e.dataset.author, body: e.querySelector('[data-testid="message-body"]')?.textContent, status: e.dataset.status };
    }),
  );
}

/** Reads a value for polling, turning a locator timeout into a readable value instead of a throw. */
export function settle<T>(read: () => Promise<T>): () => Promise<T | string> {
  return () => read().catch((error: Error) => `(${error.message.split("\n")[0]})`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A real PNG (8-bit RGB, `size`×`size` pixels of one colour), made with zlib: the server checks
 * uploads by their bytes, and the browser has to be able to draw it.
 */
export function pngBytes(size = 12, rgb: [number, number, number] = [220, 60, 40]): Buffer {
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
