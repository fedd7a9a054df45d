// A scripted customer and agent for tests against the running server: HTTP with cookies and
// bearer tokens, and WebSocket clients that record frames.
import { createHmac, randomUUID } from "node:crypto";
import { inject } from "vitest";

export const base = () => inject("base");

export async function http(path: string, init: RequestInit & { json?: unknown; cookie?: string; token?: string; ip?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("Content-Type", "application/json");
  if (init.cookie) headers.set("Cookie", init.cookie);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  if (init.ip) headers.set("CF-Connecting-IP", init.ip);
  return fetch(`${base()}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}

export async function ok<T = any>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Applies a settings patch for the length of `body`, then puts back the fields it named. */
export async function withSettings(cookie: string, patch: Record<string, unknown>, body: () => Promise<void>) {
  const before = await ok(await http("/api/settings", { cookie }));
  const restore = Object.fromEntries(Object.keys(patch).map((key) => [key, before[key]]));
  await ok(await http("/api/settings", { method: "PATCH", cookie, json: patch }));
  try {
    await body();
  } finally {
    await ok(await http("/api/settings", { method: "PATCH", cookie, json: restore }));
  }
}

async function login({ email, password }: { email: string; password: string }) {
  const response = await http("/api/auth/login", { method: "POST", json: { email, password }, ip: `198.51.100.${Math.floor(Math.random() * 250)}` });
  await ok(response);
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

let ownAdmin: Promise<{ email: string; password: string }> | undefined;

/**
 * This test file's own admin, made once with the .dev.vars admin's session of the run. Sign-ins
 * are limited per account (10 a minute) and every file shares one server, so each file signs in
 * as its own.
 */
export function fileAdmin(): Promise<{ email: string; password: string }> {
  ownAdmin ??= (async () => {
    const cookie = inject("adminCookie");
    const account = { email: `admin-${randomUUID().slice(0, 12)}@example.com`, password: `e2e-${randomUUID()}` };
    await ok(await http("/api/agents", { method: "POST", cookie, json: { ...account, name: "Admin", role: "admin" } }), 201);
    return account;
  })();
  return ownAdmin;
}

/** A session cookie: of the given account, or of this file's admin. */
export async function signIn(account?: { email: string; password: string }) {
  return login(account ?? (await fileAdmin()));
}

export async function shopper(id: string, name: string) {
  const userHash = createHmac("sha256", inject("identitySecret")).update(id).digest("hex");
  const session = await ok(await http("/api/widget/session", { method: "POST", json: { customer: { id, name, email: `${id}@example.com` }, userHash } }));
  return { ...session, id, name } as { token: string; profileId: string; expiresAt: string; id: string; name: string };
}

export class Socket {
  readonly frames: any[] = [];
  private cursor = 0;
  private readonly ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(path: string, cookie?: string) {
    const url = `${base().replace(/^http/, "ws")}${path}`;
    // Node's WebSocket (undici) takes headers, which a browser sends itself (the session cookie).
    this.ws = new WebSocket(url, cookie ? ({ headers: { Cookie: cookie } } as unknown as string[]) : undefined);
    this.ws.addEventListener("message", (event) => this.frames.push(JSON.parse(String(event.data))));
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve());
      this.ws.addEventListener("error", () => reject(new Error(`WebSocket ${path} failed`)));
    });
  }

  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }

  async next(match: (frame: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (; this.cursor < this.frames.length; this.cursor++) {
        if (match(this.frames[this.cursor])) return this.frames[this.cursor++];
      }
      if (Date.now() > deadline) throw new Error(`no matching frame in ${timeoutMs} ms; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  type(type: string) {
    return this.next((f) => f.type === type);
  }

  close() {
    this.ws.close();
  }
}
