// A local webhook receiver for the Workers tests (a vitest globalSetup; Parley's deliveries
// reach it from workerd over real HTTP). It records every request with its raw body, and, once a
// test has told it the endpoint's secret, checks X-Parley-Signature exactly as the Node.js recipe
// in docs/webhooks.md tells receivers to. Tests steer it through /control (see
// webhook-receiver-control.ts): answer a status (500, 410, a redirect…) or hang for the next N
// requests. Everything is kept per scope, the first path segment a test file picks.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import type { ReceivedRequest, ReceiverReply } from "./webhook-receiver-control";

type Scope = { requests: ReceivedRequest[]; replies: ReceiverReply[]; secret: string | null };

const scopes = new Map<string, Scope>();
const scopeOf = (name: string) => {
  if (!scopes.has(name)) scopes.set(name, { requests: [], replies: [], secret: null });
  return scopes.get(name)!;
};

// --- The Node.js recipe of docs/webhooks.md, as a receiver would paste it ---------------------

const TOLERANCE_SECONDS = 5 * 60;

function verifyParleySignature(secret: string, header: string | undefined, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries((header ?? "").split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// --- Receiving ---------------------------------------------------------------------------------

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The next queued reply, counted down (one may be queued for N requests). */
function takeReply(scope: Scope): ReceiverReply | undefined {
  const next = scope.replies[0];
  if (!next) return undefined;
  if ((next.times ?? 1) <= 1) scope.replies.shift();
  else next.times = (next.times ?? 1) - 1;
  return next;
}

function receive(scope: Scope, path: string, req: IncomingMessage, res: ServerResponse, body: string) {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")]));
  const verified = scope.secret === null ? null : verifyParleySignature(scope.secret, headers["x-parley-signature"], body);
  scope.requests.push({ method: req.method ?? "", path, headers, body, verified });
  const reply = takeReply(scope);
  if (reply && "hang" in reply) return; // the sender's deadline ends it; teardown drops what's left
  if (reply) return send(res, reply.status, { error: `reply queued by the test (${reply.status})` }, reply.headers);
  send(res, 200, { received: true });
}

function control(scopeName: string, action: string, req: IncomingMessage, res: ServerResponse, body: string) {
  const scope = scopeOf(scopeName);
  if (action === "replies" && req.method === "POST") {
    scope.replies.push(...(JSON.parse(body) as ReceiverReply[]));
    return send(res, 204, "");
  }
  if (action === "secret" && req.method === "PUT") {
    scope.secret = (JSON.parse(body) as { secret: string }).secret;
    return send(res, 204, "");
  }
  if (action === "requests" && req.method === "GET") return send(res, 200, scope.requests);
  if (action === "" && req.method === "DELETE") {
    scopes.delete(scopeName);
    return send(res, 204, "");
  }
  send(res, 404, { error: `no control route ${req.method} ${action}` });
}

async function route(req: IncomingMessage, res: ServerResponse) {
  let body = "";
  for await (const chunk of req) body += chunk;
  const path = new URL(req.url ?? "/", "http://receiver").pathname;
  const controlMatch = /^\/control\/([\w-]+)\/?(.*)$/.exec(path);
  if (controlMatch) return control(controlMatch[1]!, controlMatch[2]!, req, res, body);
  const scopeMatch = /^\/([\w-]+)(\/.*)?$/.exec(path);
  if (scopeMatch) return receive(scopeOf(scopeMatch[1]!), scopeMatch[2] ?? "/", req, res, body);
  send(res, 404, { error: `no route ${path}` });
}

let server: Server | undefined;

export async function setup(project: TestProject) {
  server = createServer((req, res) => {
    route(req, res).catch((error) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("webhookReceiver", { url: `http://127.0.0.1:${port}` });
}

export async function teardown() {
  if (!server) return;
  server.closeAllConnections(); // the hung requests too
  await new Promise((resolve) => server!.close(resolve));
}
