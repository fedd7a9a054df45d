// The OpenAPI document at GET /api/openapi.json: a well-formed 3.1 document that covers every
// REST path of the contract (shared/spec/api.md) and its models.
import { getRefId } from "@asteasolutions/zod-to-openapi";
import { beforeAll, describe, expect, it } from "vitest";
import { ZodType } from "zod";
import { app } from "../../worker/index";
import { call } from "./helpers";

type Operation = {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content?: Record<string, unknown> };
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  security?: unknown[];
  operationId?: string;
};
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any>; securitySchemes?: Record<string, any> };
};

let doc: Doc;
let contentType: string | null;

beforeAll(async () => {
  const response = await call("/api/openapi.json");
  expect(response.status).toBe(200);
  contentType = response.headers.get("Content-Type");
  doc = (await response.json()) as Doc;
});

/** Every REST endpoint the contract names (WebSocket upgrades are documented with the frames). */
const CONTRACT: Array<[method: string, path: string]> = [
  ["get", "/api/widget/config"],
  ["post", "/api/widget/session"],
  ["get", "/api/widget/conversations/active"],
  ["post", "/api/widget/conversations"],
  ["post", "/api/auth/login"],
  ["post", "/api/auth/logout"],
  ["get", "/api/me"],
  ["get", "/api/tickets"],
  ["get", "/api/tickets/{id}"],
  ["patch", "/api/tickets/{id}"],
  ["get", "/api/tickets/{id}/messages"],
  ["post", "/api/tickets/{id}/messages"],
  ["get", "/api/inbox/counts"],
  ["post", "/api/uploads"],
  ["get", "/api/settings"],
  ["patch", "/api/settings"],
  ["get", "/api/faqs"],
  ["post", "/api/faqs"],
  ["patch", "/api/faqs/{id}"],
  ["delete", "/api/faqs/{id}"],
  ["get", "/api/macros"],
  ["post", "/api/macros"],
  ["patch", "/api/macros/{id}"],
  ["delete", "/api/macros/{id}"],
  ["post", "/api/events"],
  ["post", "/api/agents"],
];

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string") found.push(inner);
      else refsIn(inner, found);
    }
  }
  return found;
}

/** Resolves a local JSON pointer such as #/components/schemas/Ticket. */
function resolve(ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: any = doc;
  for (const part of ref.slice(2).split("/")) {
    node = node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return node;
}

/** A schema with its $ref followed. */
const schemaOf = (schema: any) => (schema?.$ref ? resolve(schema.$ref) : schema) as any;

describe("GET /api/openapi.json", () => {
  it("is a JSON OpenAPI 3.1 document with info, paths and components", () => {
    expect(contentType).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.title.length).toBeGreaterThan(0);
    expect(doc.info.version).toEqual(expect.any(String));
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(19);
    expect(doc.components.schemas).toBeTypeOf("object");
  });

  it("documents every REST path and method of the contract", () => {
    const missing = CONTRACT.filter(([method, path]) => !doc.paths[path]?.[method]).map(([m, p]) => `${m.toUpperCase()} ${p}`);
    expect(missing).toEqual([]);
  });

  it("documents GET /healthz, which the contract names", () => {
    expect(doc.paths["/healthz"]?.get, "GET /healthz is missing from the OpenAPI document").toBeDefined();
  });

  it("documents the project's own REST paths too: the upload url (GET /api/uploads/{key})", () => {
    // The contract: anything it does not name is the project's to design and must be documented
    // in the OpenAPI document. The url POST /api/uploads returns is served by such a path.
    const documented = Object.keys(doc.paths).filter((path) => /^\/api\/uploads\/\{[^}]+\}$/.test(path) && doc.paths[path]!.get);
    expect(documented, "the GET route serving uploaded files is not in the OpenAPI document").toHaveLength(1);
  });

  it("uses OpenAPI {param} templates, never :param, and declares each path parameter", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path, path).not.toMatch(/:[A-Za-z]/);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        const declared = [...((item as { parameters?: Operation["parameters"] }).parameters ?? []), ...(operation.parameters ?? [])]
          .filter((p) => p.in === "path")
          .map((p) => p.name);
        expect(declared.sort(), `${method.toUpperCase()} ${path}`).toEqual([...templated].sort());
      }
    }
  });

  it("gives every operation responses, and every operationId is unique", () => {
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        const statuses = Object.keys(operation.responses ?? {});
        expect(statuses.length, `${method.toUpperCase()} ${path}`).toBeGreaterThan(0);
        for (const status of statuses) expect(status, `${method.toUpperCase()} ${path}`).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        if (operation.operationId) ids.push(operation.operationId);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has no dangling $ref", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    const dangling = [...new Set(refs)].filter((ref) => resolve(ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it("documents the contract's status codes where they are fixed", () => {
    const statuses = (method: string, path: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {});
    expect(statuses("post", "/api/widget/session")).toEqual(expect.arrayContaining(["200", "401", "429"]));
    expect(statuses("post", "/api/widget/conversations")).toEqual(expect.arrayContaining(["200", "201", "403"]));
    expect(statuses("get", "/api/widget/conversations/active")).toEqual(expect.arrayContaining(["200", "404"]));
    expect(statuses("post", "/api/tickets/{id}/messages")).toEqual(expect.arrayContaining(["201", "409"]));
    expect(statuses("patch", "/api/tickets/{id}")).toEqual(expect.arrayContaining(["200", "409"]));
    expect(statuses("post", "/api/uploads")).toEqual(expect.arrayContaining(["201", "401", "403", "413", "415"]));
    expect(statuses("post", "/api/events")).toEqual(expect.arrayContaining(["202", "400", "401"]));
    expect(statuses("post", "/api/agents")).toEqual(expect.arrayContaining(["201", "400", "401", "403", "409"]));
    expect(statuses("patch", "/api/settings")).toEqual(expect.arrayContaining(["200", "400", "401", "403"]));
    expect(statuses("post", "/api/auth/login")).toEqual(expect.arrayContaining(["200", "401", "429"]));
    expect(statuses("delete", "/api/faqs/{id}")).toEqual(expect.arrayContaining(["204", "403", "404"]));
    expect(statuses("delete", "/api/macros/{id}")).toEqual(expect.arrayContaining(["204", "403", "404"]));
  });

  it("describes error responses with the Error schema", () => {
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (!/^[45]/.test(status)) continue;
          const schema = response.content?.["application/json"]?.schema as { $ref?: string } | undefined;
          expect(schema?.$ref, `${method.toUpperCase()} ${path} ${status}`).toBe("#/components/schemas/Error");
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("takes the upload as multipart/form-data and declares how each area authenticates", () => {
    expect(Object.keys(doc.paths["/api/uploads"]!.post!.requestBody?.content ?? {})).toContain("multipart/form-data");
    const schemes = doc.components.securitySchemes ?? {};
    const schemeOf = (method: string, path: string) => (doc.paths[path]?.[method]?.security ?? []).flatMap((s) => Object.keys(s as object));
    for (const [method, path] of [
      ["get", "/api/tickets"],
      ["get", "/api/settings"],
      ["post", "/api/agents"],
    ] as const) {
      const names = schemeOf(method, path);
      expect(names.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const name of names) expect(schemes[name], name).toMatchObject({ type: "apiKey", in: "cookie" });
    }
    for (const name of schemeOf("post", "/api/events")) expect(schemes[name]).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemeOf("post", "/api/events").length).toBeGreaterThan(0);
    for (const name of schemeOf("get", "/api/widget/conversations/active")) expect(schemes[name]).toMatchObject({ type: "http", scheme: "bearer" });
    expect(schemeOf("get", "/api/widget/conversations/active").length).toBeGreaterThan(0);
  });
});

describe("components.schemas", () => {
  const props = (name: string) => Object.keys(schemaOf(doc.components.schemas[name])?.properties ?? {}).sort();

  it("contains the contract's models", () => {
    for (const name of ["Ticket", "Message", "Settings", "Error", "Profile", "Attachment", "WidgetConfig", "Faq", "Macro", "Agent", "Counts"]) {
      expect(doc.components.schemas[name], name).toBeTypeOf("object");
    }
  });

  it("Ticket has the contract's fields and enums", () => {
    expect(props("Ticket")).toEqual(
      expect.arrayContaining([
        "id",
        "channel",
        "status",
        "snoozeUntil",
        "assigneeId",
        "profileId",
        "preview",
        "unread",
        "lastMessageAt",
        "createdAt",
        "closedAt",
      ]),
    );
    const ticket = doc.components.schemas.Ticket;
    expect(schemaOf(ticket.properties.channel).enum.sort()).toEqual(["sms", "webchat"]);
    expect(schemaOf(ticket.properties.status).enum.sort()).toEqual(["closed", "open", "snoozed"]);
    expect(schemaOf(ticket.properties.unread).type).toBe("boolean");
  });

  it("Message has the contract's fields, with author kinds and attachments", () => {
    // The contract's fields, and Parley's `ai` note on the AI agent's messages.
    expect(props("Message")).toEqual(["ai", "attachments", "author", "body", "clientId", "createdAt", "delivery", "id", "seq"]);
    const message = doc.components.schemas.Message;
    expect(schemaOf(message.properties.seq).type).toBe("integer");
    const author = schemaOf(message.properties.author);
    expect(Object.keys(author.properties).sort()).toEqual(["id", "kind", "name"]);
    expect(schemaOf(author.properties.kind).enum.sort()).toEqual(["agent", "bot", "customer", "system"]);
    const attachments = schemaOf(message.properties.attachments);
    expect(attachments.type).toBe("array");
    expect(Object.keys(schemaOf(attachments.items).properties).sort()).toEqual(["contentType", "key", "size", "url"]);
  });

  it("Settings has every contract field", () => {
    expect(props("Settings")).toEqual(
      [
        "ai",
        "allowedOrigins",
        "csat",
        "emailContinuity",
        "links",
        "loginStatus",
        "notifyEmails",
        "notifyFrom",
        "officeHours",
        "sms",
        "translations",
        "webchatEnabled",
        "welcomeMessage",
      ].sort(),
    );
    const settings = doc.components.schemas.Settings;
    expect(Object.keys(schemaOf(settings.properties.emailContinuity).properties).sort()).toEqual(["chatUrl", "color", "delayMinutes", "enabled", "teamName"]);
    expect(schemaOf(settings.properties.loginStatus).enum.sort()).toEqual(["all", "logged_in"]);
    expect(Object.keys(schemaOf(settings.properties.officeHours).properties).sort()).toEqual(["closedMessage", "enabled", "timezone", "weekly"]);
    expect(schemaOf(schemaOf(settings.properties.ai).properties.handoff).enum.sort()).toEqual(["gorgias", "inbox", "message", "zendesk"]);
  });

  it("Error is {error: {code, message}} and lists the contract's error codes", () => {
    const error = doc.components.schemas.Error;
    expect(props("Error")).toEqual(["error"]);
    const inner = schemaOf(error.properties.error);
    expect(Object.keys(inner.properties).sort()).toEqual(["code", "message"]);
    expect(inner.required?.sort()).toEqual(["code", "message"]);
    expect(schemaOf(inner.properties.code).enum).toEqual(
      expect.arrayContaining([
        "invalid_request",
        "invalid_identity",
        "unauthorized",
        "forbidden",
        "login_required",
        "chat_disabled",
        "not_found",
        "already_exists",
        "conversation_closed",
        "too_large",
        "unsupported_media_type",
        "rate_limited",
      ]),
    );
  });

  it("WidgetConfig and Profile have the contract's fields", () => {
    expect(props("WidgetConfig")).toEqual(["ai", "csat", "enabled", "faqs", "links", "loginStatus", "officeHours", "welcomeMessage"]);
    expect(props("Profile")).toEqual(["createdAt", "email", "externalId", "id", "name", "phone"]);
  });
});

describe("component names", () => {
  const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "nonoptional", "readonly", "catch"]);

  /** Every zod schema reachable from a route's request and responses (inner schemas included). */
  function schemasOf(value: unknown, found = new Set<ZodType>(), seen = new Set<unknown>()): Set<ZodType> {
    if (!value || typeof value !== "object" || seen.has(value)) return found;
    seen.add(value);
    if (value instanceof ZodType) {
      found.add(value);
      schemasOf((value as unknown as { _zod: { def: unknown } })._zod.def, found, seen);
      return found;
    }
    for (const inner of Object.values(value)) schemasOf(inner, found, seen);
    return found;
  }

  it("names each component once: no two schemas share an OpenAPI name", () => {
    const byName = new Map<string, Set<ZodType>>();
    const routes = app.openAPIRegistry.definitions.filter((definition) => definition.type === "route");
    expect(routes.length).toBeGreaterThan(40);
    for (const definition of routes) {
      for (const schema of schemasOf(definition.route)) {
        // A wrapper (Profile.nullable()) carries its inner schema's name: the inner one is counted.
        if (WRAPPERS.has((schema as unknown as { _zod: { def: { type: string } } })._zod.def.type)) continue;
        const name = getRefId(schema);
        if (name) byName.set(name, (byName.get(name) ?? new Set()).add(schema));
      }
    }
    const shared = [...byName].filter(([, schemas]) => schemas.size > 1).map(([name]) => name);
    expect(shared).toEqual([]);
    // What GET /api/credentials answers is its own schema, not the sign-in body's.
    const credentials = doc.paths["/api/credentials"]!.get!.responses!["200"]!.content!["application/json"]!.schema as { $ref: string };
    expect(credentials.$ref).toBe("#/components/schemas/CredentialStatuses");
    expect(Object.keys(resolve("#/components/schemas/SignIn") as { properties: object } & Record<string, any>).length).toBeGreaterThan(0);
  });
});
