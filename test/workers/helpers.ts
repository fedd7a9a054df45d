// Test helpers: real requests into the Worker (exports.default.fetch) and real WebSockets.
import { env, exports } from "cloudflare:workers";
import { expect, onTestFinished, vi } from "vitest";
import type { MessageT, ServerFrame, TicketT } from "../../contract";
import { hmacHex } from "../../worker/lib/crypto";

export const BASE = "http://parley.test";
export const ADMIN = { email: "admin@example.com", password: "admin-password-123" };

let ipCounter = 0;
/** A fresh client IP per call, so per-IP rate limits only bite where a test means them to. */
export const freshIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

export async function call(path: string, init: RequestInit & { json?: unknown; cookie?: string; token?: string; ip?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  if (init.cookie) headers.set("Cookie", init.cookie);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", init.ip ?? freshIp());
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers, body }));
}

export async function json<T = any>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function expectError(response: Response, status: number, code: string) {
  const body = await json<{ error: { code: string; message: string } }>(response, status);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

export async function login(email = ADMIN.email, password = ADMIN.password): Promise<string> {
  const response = await call("/api/auth/login", { method: "POST", json: { email, password } });
  await json(response, 200);
  const cookie = response.headers.get("Set-Cookie")!;
  return cookie.split(";")[0]!;
}

let agentCounter = 0;
export async function addAgent(adminCookie: string, role: "admin" | "agent" = "agent") {
  const email = `agent${++agentCounter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = "agent-password-123";
  const { agent } = await json(
    await call("/api/agents", { method: "POST", cookie: adminCookie, json: { email, name: `Agent ${agentCounter}`, role, password } }),
    201,
  );
  return { agent, cookie: await login(email, password) };
}

export const userHash = (externalId: string) => hmacHex(env.IDENTITY_SECRET, externalId);

export async function customer(externalId = `cust-${crypto.randomUUID()}`, name = "Casey Customer") {
  const session = await json<{ token: string; profileId: string; expiresAt: string }>(
    await call("/api/widget/session", {
      method: "POST",
      json: { customer: { id: externalId, name, email: "casey@example.com" }, userHash: await userHash(externalId) },
    }),
    200,
  );
  return { ...session, externalId, name };
}

export async function startChat(token: string): Promise<TicketT> {
  const { ticket } = await json<{ ticket: TicketT }>(await call("/api/widget/conversations", { method: "POST", token }), 201);
  return ticket;
}

/** A WebSocket client that records every frame and lets a test wait for the next one it wants. */
export class Client {
  readonly frames: any[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(event.data as string));
      this.wake?.();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake?.();
    });
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Resolves with the next frame (after those already taken) that matches. */
  async next<T = any>(match: (frame: any) => boolean = () => true, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (; this.cursor < this.frames.length; this.cursor++) {
        const frame = this.frames[this.cursor];
        if (match(frame)) {
          this.cursor++;
          return frame as T;
        }
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; frames: ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.min(left, 50));
      });
    }
  }

  nextOfType<T extends ServerFrame["type"] | "ticket" | "counts" | "resync">(type: T, timeoutMs?: number) {
    return this.next((f) => f.type === type, timeoutMs);
  }

  messages(): MessageT[] {
    return this.frames.filter((f) => f.type === "message");
  }

  close() {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

export async function upgrade(path: string, init: { cookie?: string; origin?: string } = {}) {
  const headers = new Headers({ Upgrade: "websocket" });
  if (init.cookie) headers.set("Cookie", init.cookie);
  if (init.origin) headers.set("Origin", init.origin);
  headers.set("CF-Connecting-IP", freshIp());
  return exports.default.fetch(new Request(`${BASE}${path}`, { headers }));
}

export async function connect(path: string, init: { cookie?: string; origin?: string } = {}): Promise<Client> {
  const response = await upgrade(path, init);
  if (response.status !== 101) throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
  return new Client(response.webSocket!);
}

export const customerSocket = (ticketId: string, token: string, after = 0) =>
  connect(`/api/widget/conversations/${ticketId}/ws?token=${encodeURIComponent(token)}&after=${after}`);

export const agentSocket = (ticketId: string, cookie: string, after = 0) => connect(`/api/tickets/${ticketId}/ws?after=${after}`, { cookie });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` passes (for eventually-consistent views such as the D1 inbox index). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** Sends and waits for this clientId's ack (or error), returning the frame. */
export async function sendAndWait(c: Client, clientId: string, body: string): Promise<any> {
  c.send({ type: "send", clientId, body });
  return c.next((f) => (f.type === "ack" || f.type === "error") && f.clientId === clientId);
}

/** Waits for a frame matching `match` among all frames from index `from` (independent of next()'s cursor). */
export function seen(c: Client, match: (f: any) => boolean, from = 0, timeoutMs = 3000): Promise<any> {
  return eventually(async () => {
    const frame = c.frames.slice(from).find(match);
    expect(frame, `no matching frame yet; frames: ${JSON.stringify(c.frames.slice(from))}`).toBeDefined();
    return frame;
  }, timeoutMs);
}

/**
 * For a test that makes something fail on purpose: the warnings the code logs about it are
 * caught (not printed), and `seen()` tells whether one matched `pattern`, as the test expects.
 */
export function catchWarnings(pattern: RegExp) {
  const caught: string[] = [];
  const spy = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void caught.push(args.map(String).join(" ")));
  onTestFinished(() => spy.mockRestore());
  return { seen: () => caught.some((line) => pattern.test(line)), caught };
}
