// Local stand-ins for the services Parley calls over HTTP — Zendesk's Tickets API, Gorgias's
// tickets endpoint, OpenAI's chat completions and Twilio's Messages API — for the Workers tests (a vitest globalSetup;
// the Worker code under test fetches it from workerd). Each route checks auth and request shape
// the way the service documents it and answers in its format, so the real clients are tested
// against the wire, not against mocks. Tests steer it through /control (see wire-control.ts):
// queue failures, hangs or odd bodies, and read what each route received. Everything is kept
// per scope, a path prefix a test file picks: <url>/<scope>/zendesk, …/gorgias, …/openai/v1,
// …/twilio (whose inbound MMS media is served under …/twilio/media/<name>).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { messagesApi, twilioError } from "../../scripts/twilio-wire.mjs";
import type { QueuedReply, RecordedRequest, Service, WireCredentials } from "./wire-control";

const credentials: WireCredentials = {
  zendesk: { email: "support@shop.test", apiToken: "zd-token-6f1c2a" },
  gorgias: { email: "support@shop.test", apiKey: "gorgias-key-91be07" },
  openai: { apiKey: "sk-test-4d2e8b17c0" },
  twilio: { accountSid: "AC6b1f0e2d9c8a7b6f5e4d3c2b1a0f9e8d", authToken: "twilio-token-3a9c51e7b2" },
};

type Reply = { status: number; body: unknown; headers?: Record<string, string> };
type Scope = { requests: RecordedRequest[]; queue: Record<Service, QueuedReply[]>; idempotency: Map<string, { body: string; reply: Reply }> };

const scopes = new Map<string, Scope>();
const scopeOf = (name: string) => {
  if (!scopes.has(name)) scopes.set(name, { requests: [], queue: { zendesk: [], gorgias: [], openai: [], twilio: [] }, idempotency: new Map() });
  return scopes.get(name)!;
};
let nextId = 1000;

// --- Checks shared by the routes -------------------------------------------------------------

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);
const isEmail = (value: unknown) => typeof value === "string" && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
const nonEmpty = (value: unknown) => typeof value === "string" && value.trim() !== "";

function parseJson(request: RecordedRequest): { ok: true; value: unknown } | { ok: false } {
  if (!request.headers["content-type"]?.startsWith("application/json")) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(request.body) };
  } catch {
    return { ok: false };
  }
}

// --- Zendesk: POST /api/v2/tickets.json ------------------------------------------------------
// Errors as Zendesk documents them: 401 {"error": "Couldn't authenticate you"}, 422 RecordInvalid
// with per-field details; Idempotency-Key replays the first ticket for the same payload.

function zendesk(request: RecordedRequest, scope: Scope): Reply {
  const { email, apiToken } = credentials.zendesk;
  if (request.path !== "/api/v2/tickets.json" || request.method !== "POST") return { status: 404, body: { error: "InvalidEndpoint" } };
  if (request.headers.authorization !== basic(`${email}/token`, apiToken)) return { status: 401, body: { error: "Couldn't authenticate you" } };
  const parsed = parseJson(request);
  if (!parsed.ok || !isObject(parsed.value) || !isObject(parsed.value.ticket))
    return { status: 400, body: { error: "Unprocessable Entity", description: "the body must be a JSON object {ticket: {...}}" } };
  const ticket = parsed.value.ticket;
  const invalid = (field: string, description: string): Reply => ({
    status: 422,
    body: { error: "RecordInvalid", description: "Record validation errors", details: { [field]: [{ description, error: "InvalidValue" }] } },
  });
  if (!isObject(ticket.comment) || !nonEmpty(ticket.comment.body)) return invalid("base", "Description: cannot be blank");
  if (ticket.subject !== undefined && typeof ticket.subject !== "string") return invalid("subject", "Subject: is invalid");
  if (ticket.requester !== undefined && (!isObject(ticket.requester) || !isEmail(ticket.requester.email) || !nonEmpty(ticket.requester.name)))
    return invalid("requester", "Requester: is invalid");
  if (ticket.tags !== undefined && (!Array.isArray(ticket.tags) || !ticket.tags.every((tag: unknown) => typeof tag === "string")))
    return invalid("tags", "Tags: is invalid");

  const key = request.headers["idempotency-key"];
  const earlier = key ? scope.idempotency.get(key) : undefined;
  if (earlier) {
    if (earlier.body !== request.body)
      return { status: 400, body: { error: "IdempotentRequestError", description: "the same Idempotency-Key came with a different payload" } };
    return { ...earlier.reply, headers: { ...earlier.reply.headers, "x-idempotency-lookup": "hit" } };
  }
  const id = nextId++;
  const reply: Reply = {
    status: 201,
    headers: { Location: `/api/v2/tickets/${id}.json`, ...(key ? { "x-idempotency-lookup": "miss" } : {}) },
    body: {
      ticket: {
        id,
        url: `/api/v2/tickets/${id}.json`,
        subject: ticket.subject ?? null,
        description: ticket.comment.body,
        status: "new",
        tags: ticket.tags ?? [],
        created_at: new Date().toISOString(),
      },
    },
  };
  if (key) scope.idempotency.set(key, { body: request.body, reply });
  return reply;
}

// --- Gorgias: POST /api/tickets --------------------------------------------------------------
// Gorgias answers 400 (not 422) for invalid data and 401 for bad credentials. An API-channel
// ticket with an incoming first message needs channel, via and from_agent on the ticket and on
// each message, and a sender naming the customer by id or email.

function gorgias(request: RecordedRequest): Reply {
  const { email, apiKey } = credentials.gorgias;
  if (request.path !== "/api/tickets" || request.method !== "POST") return { status: 404, body: { error: { msg: "Not found" } } };
  if (request.headers.authorization !== basic(email, apiKey)) return { status: 401, body: { error: { msg: "Unauthorized" } } };
  const parsed = parseJson(request);
  const invalid = (field: string, problem: string): Reply => ({ status: 400, body: { error: { msg: "Invalid data", data: { [field]: [problem] } } } });
  if (!parsed.ok || !isObject(parsed.value)) return invalid("_schema", "Invalid input type.");
  const ticket = parsed.value;
  if (typeof ticket.via !== "string") return invalid("via", "Missing data for required field.");
  if (ticket.from_agent !== undefined && typeof ticket.from_agent !== "boolean") return invalid("from_agent", "Not a valid boolean.");
  if (ticket.customer !== undefined && (!isObject(ticket.customer) || !isEmail(ticket.customer.email)))
    return invalid("customer.email", "Not a valid email address.");
  if (!Array.isArray(ticket.messages) || ticket.messages.length < 1 || ticket.messages.length > 500)
    return invalid("messages", "Length must be between 1 and 500.");
  for (const [i, message] of ticket.messages.entries()) {
    if (!isObject(message)) return invalid(`messages.${i}`, "Invalid input type.");
    for (const field of ["channel", "via"])
      if (typeof message[field] !== "string") return invalid(`messages.${i}.${field}`, "Missing data for required field.");
    if (typeof message.from_agent !== "boolean") return invalid(`messages.${i}.from_agent`, "Missing data for required field.");
    if (!message.from_agent && !(isObject(message.sender) && (typeof message.sender.id === "number" || isEmail(message.sender.email)))) {
      return invalid(`messages.${i}.sender`, "An incoming message needs a sender with an id or an email.");
    }
    if (!nonEmpty(message.body_text) && !nonEmpty(message.body_html)) return invalid(`messages.${i}.body_text`, "A message needs a body.");
  }
  const id = nextId++;
  return {
    status: 201,
    body: {
      id,
      uri: `/api/tickets/${id}/`,
      external_id: ticket.external_id ?? null,
      channel: ticket.channel ?? "api",
      via: ticket.via,
      subject: ticket.subject ?? null,
      status: "open",
      customer: ticket.customer ? { id: nextId++, ...ticket.customer } : null,
      messages: ticket.messages.map((message: Record<string, unknown>) => ({ id: nextId++, ticket_id: id, ...message })),
      created_datetime: new Date().toISOString(),
    },
  };
}

// --- OpenAI: POST /v1/chat/completions -------------------------------------------------------
// OpenAI's error object {error: {message, type, param, code}}: 401 invalid_api_key (whose message
// quotes part of the key, as the real one does), 400 invalid_request_error for a bad body.

const openAiError = (status: number, message: string, param: string | null, code: string | null): Reply => ({
  status,
  body: { error: { message, type: "invalid_request_error", param, code } },
});

function openai(request: RecordedRequest, scope: Scope): Reply {
  const { apiKey } = credentials.openai;
  if (request.path !== "/v1/chat/completions" || request.method !== "POST") return openAiError(404, "Invalid URL", null, null);
  const sent = request.headers.authorization?.replace(/^Bearer /, "") ?? "";
  if (request.headers.authorization !== `Bearer ${apiKey}`) {
    return openAiError(401, `Incorrect API key provided: ${sent.slice(0, 3)}*****${sent.slice(-4)}.`, null, "invalid_api_key");
  }
  const parsed = parseJson(request);
  if (!parsed.ok || !isObject(parsed.value)) return openAiError(400, "We could not parse the JSON body of your request.", null, null);
  const body = parsed.value;
  if (!nonEmpty(body.model)) return openAiError(400, "you must provide a model parameter", "model", null);
  const roles = ["system", "developer", "user", "assistant"];
  if (
    !Array.isArray(body.messages) ||
    body.messages.length === 0 ||
    !body.messages.every((m: unknown) => isObject(m) && roles.includes(m.role) && typeof m.content === "string")
  ) {
    return openAiError(400, "Invalid 'messages': each needs a role and string content.", "messages", null);
  }
  if (body.temperature !== undefined && !(typeof body.temperature === "number" && body.temperature >= 0 && body.temperature <= 2)) {
    return openAiError(400, "Invalid 'temperature'.", "temperature", "invalid_value");
  }
  if (body.max_tokens !== undefined && !(Number.isInteger(body.max_tokens) && body.max_tokens > 0))
    return openAiError(400, "Invalid 'max_tokens'.", "max_tokens", "invalid_value");

  const queued = takeQueued(scope, "openai", ["content"]);
  const content = queued?.kind === "content" ? queued.content : defaultAnswer(body.messages);
  return {
    status: 200,
    body: {
      id: `chatcmpl-${nextId++}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: Math.ceil(request.body.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 },
    },
  };
}

/** Unless a test queued content: an answer citing the first passage the system prompt labels. */
function defaultAnswer(messages: { role: string; content: string }[]): string {
  const system = messages.find((message) => message.role === "system")?.content ?? "";
  const source = /\[((?:faq|article):[^\]\s]+)\]/.exec(system)?.[1];
  return JSON.stringify(source ? { answer: `See ${source}.`, sources: [source] } : { handoff: "no passage in the context" });
}

// --- Twilio: POST /2010-04-01/Accounts/{AccountSid}/Messages.json ----------------------------
// Played by scripts/twilio-wire.mjs, which `npm run phone` shares.

function twilio(request: RecordedRequest): Reply {
  const { headers } = request;
  return messagesApi({ ...request, authorization: headers.authorization, contentType: headers["content-type"] }, credentials.twilio);
}

// Inbound MMS media, as Twilio serves it: the media URL takes the account's Basic auth and
// redirects to the file on its media store, which takes none.
const ONE_PIXEL_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64");
const MEDIA: Record<string, () => { type: string; bytes: Buffer }> = {
  "photo.png": () => ({ type: "image/png", bytes: ONE_PIXEL_PNG }),
  "notes.txt": () => ({ type: "text/plain", bytes: Buffer.from("not an image") }),
  // Claims to be an image; only its bytes can tell it is not.
  "fake.jpg": () => ({ type: "image/jpeg", bytes: Buffer.from("<html>not a jpeg</html>") }),
  "huge.png": () => ({ type: "image/png", bytes: Buffer.concat([ONE_PIXEL_PNG, Buffer.alloc(10 * 1024 * 1024)]) }),
};

function twilioMedia(scopeName: string, kind: "media" | "cdn", name: string, req: IncomingMessage, res: ServerResponse) {
  const { accountSid, authToken } = credentials.twilio;
  const file = MEDIA[name];
  if (kind === "media") {
    if (req.headers.authorization !== basic(accountSid, authToken)) return send(res, twilioError(401, 20003, "Authenticate"));
    if (!file) return send(res, twilioError(404, 20404, `The requested resource /media/${name} was not found`));
    res.writeHead(307, { Location: `/${scopeName}/twilio/cdn/${name}` });
    return res.end();
  }
  if (!file) return send(res, { status: 404, body: "NoSuchKey" });
  const { type, bytes } = file();
  res.writeHead(200, { "Content-Type": type, "Content-Length": String(bytes.byteLength) });
  res.end(bytes);
}

// --- Queue, recording, routing ---------------------------------------------------------------

/** The next queued reply if it is one of `kinds`, counted down (a reply may be queued for N requests). */
function takeQueued(scope: Scope, service: Service, kinds: QueuedReply["kind"][]): QueuedReply | undefined {
  const queue = scope.queue[service];
  const next = queue[0];
  if (!next || !kinds.includes(next.kind)) return undefined;
  if ((next.times ?? 1) <= 1) queue.shift();
  else next.times = (next.times ?? 1) - 1;
  return next;
}

const handlers: Record<Service, (request: RecordedRequest, scope: Scope) => Reply> = { zendesk, gorgias, openai, twilio };

function send(res: ServerResponse, reply: Reply) {
  const raw = typeof reply.body === "string";
  res.writeHead(reply.status, { "Content-Type": raw ? "text/plain" : "application/json", ...reply.headers });
  res.end(raw ? reply.body : JSON.stringify(reply.body));
}

function serviceRequest(scope: Scope, service: Service, path: string, req: IncomingMessage, res: ServerResponse, body: string) {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")]));
  const request: RecordedRequest = { service, method: req.method ?? "", path, headers, body };
  scope.requests.push(request);
  // A queued failure, hang or odd body stands in for whatever the service would have said.
  const queued = takeQueued(scope, service, ["fail", "hang", "raw"]);
  if (queued?.kind === "hang") return; // the client's timeout ends it; teardown drops what's left
  if (queued?.kind === "raw") return send(res, { status: queued.status, body: queued.body, headers: { "Content-Type": "application/json" } });
  if (queued?.kind === "fail") {
    return send(res, {
      status: queued.status,
      body: { error: `failure queued by the test (${queued.status})` },
      headers: queued.retryAfter ? { "Retry-After": queued.retryAfter } : {},
    });
  }
  send(res, handlers[service](request, scope));
}

function control(scopeName: string, action: string, req: IncomingMessage, res: ServerResponse, body: string) {
  const scope = scopeOf(scopeName);
  const queueFor = /^queue\/(zendesk|gorgias|openai|twilio)$/.exec(action)?.[1] as Service | undefined;
  if (queueFor && req.method === "POST") {
    scope.queue[queueFor].push(...(JSON.parse(body) as QueuedReply[]));
    return send(res, { status: 204, body: "" });
  }
  if (action === "requests" && req.method === "GET") return send(res, { status: 200, body: scope.requests });
  if (action === "" && req.method === "DELETE") {
    scopes.delete(scopeName);
    return send(res, { status: 204, body: "" });
  }
  send(res, { status: 404, body: { error: `no control route ${req.method} ${action}` } });
}

async function route(req: IncomingMessage, res: ServerResponse) {
  let body = "";
  for await (const chunk of req) body += chunk;
  const path = new URL(req.url ?? "/", "http://wire").pathname;
  const controlMatch = /^\/control\/([\w-]+)\/?(.*)$/.exec(path);
  if (controlMatch) return control(controlMatch[1]!, controlMatch[2]!, req, res, body);
  const mediaMatch = /^\/([\w-]+)\/twilio\/(media|cdn)\/([\w.-]+)$/.exec(path);
  if (mediaMatch && req.method === "GET") return twilioMedia(mediaMatch[1]!, mediaMatch[2] as "media" | "cdn", mediaMatch[3]!, req, res);
  const serviceMatch = /^\/([\w-]+)\/(zendesk|gorgias|openai|twilio)(\/.*)$/.exec(path);
  if (serviceMatch) return serviceRequest(scopeOf(serviceMatch[1]!), serviceMatch[2] as Service, serviceMatch[3]!, req, res, body);
  send(res, { status: 404, body: { error: `no route ${path}` } });
}

let server: Server | undefined;

export async function setup(project: TestProject) {
  server = createServer((req, res) => {
    route(req, res).catch((error) => send(res, { status: 500, body: { error: String(error) } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("wireServices", { url: `http://127.0.0.1:${port}`, credentials });
}

export async function teardown() {
  if (!server) return;
  server.closeAllConnections(); // the hung requests too
  await new Promise((resolve) => server!.close(resolve));
}
