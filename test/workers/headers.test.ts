// Security headers on what the Worker answers (spec v2 "Origins and headers"). Static assets
// (the inbox's HTML, widget.js) are not served by exports.default.fetch: test/e2e/csp.test.ts
// checks them against `npm start`, and the pages under their CSP in Chromium.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, customer, login } from "./helpers";

/** Referrer policies no weaker than strict-origin-when-cross-origin. */
const STRICT_REFERRERS = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"];

let admin: string;
let uploadUrl: string;

beforeAll(async () => {
  admin = await login();
  const shopper = await customer();
  const form = new FormData();
  form.set("file", new File([Uint8Array.from(atob("R0lGODlhAQABAAAAACw="), (c) => c.charCodeAt(0))], "a.gif", { type: "image/gif" }));
  const stored = await (await call("/api/uploads", { method: "POST", token: shopper.token, body: form })).json<{ url: string }>();
  uploadUrl = new URL(stored.url).pathname;
});

/** One of each kind of answer: JSON, errors (the app's and a validator's), text, a preflight, an upload. */
const responses = () =>
  [
    ["GET /healthz", () => call("/healthz")],
    ["GET /api/me (401)", () => call("/api/me")],
    ["GET /api/tickets", () => call("/api/tickets", { cookie: admin })],
    ["GET /api/nowhere (404)", () => call("/api/nowhere")],
    ["POST /api/auth/login with bad JSON (400)", () => call("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" })],
    ["GET /api/widget/config", () => call("/api/widget/config")],
    [
      "OPTIONS /api/widget/session",
      () => call("/api/widget/session", { method: "OPTIONS", headers: { Origin: "http://parley.test", "Access-Control-Request-Method": "POST" } }),
    ],
    ["GET /api/openapi.json", () => call("/api/openapi.json")],
    ["GET an upload", () => call(uploadUrl)],
    ["GET /api/notifications/unsubscribe (HTML)", () => call("/api/notifications/unsubscribe?email=a%40b.test&token=x")],
  ] as const;

describe("every answer", () => {
  it("carries X-Content-Type-Options: nosniff and a strict Referrer-Policy", async () => {
    for (const [name, request] of responses()) {
      const response = await request();
      expect(response.headers.get("X-Content-Type-Options"), name).toBe("nosniff");
      expect(STRICT_REFERRERS, `${name}: Referrer-Policy ${response.headers.get("Referrer-Policy")}`).toContain(response.headers.get("Referrer-Policy"));
      await response.arrayBuffer();
    }
  });

  it("carries Strict-Transport-Security of at least half a year over https", async () => {
    const secure = await exports.default.fetch(new Request("https://parley.test/healthz"));
    const maxAge = secure.headers.get("Strict-Transport-Security")?.match(/^max-age=(\d+)/)?.[1];
    expect(Number(maxAge)).toBeGreaterThanOrEqual(180 * 24 * 3600);
  });

  it("lets store pages show uploads (<img> is a no-cors request), while agent API answers stay same-origin", async () => {
    expect((await call(uploadUrl)).headers.get("Cross-Origin-Resource-Policy")).toBe("cross-origin");
    expect((await call("/api/tickets", { cookie: admin })).headers.get("Cross-Origin-Resource-Policy")).toBe("same-origin");
  });
});

describe("HTML the Worker renders", () => {
  it("carries a CSP without unsafe-inline or unsafe-eval for scripts, and may not be framed", async () => {
    const response = await call("/api/notifications/unsubscribe?email=a%40b.test&token=x");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toMatch(/default-src 'none'|script-src/);
    const scripts =
      csp.split(";").find((directive) => /^\s*script-src\b/.test(directive)) ?? csp.split(";").find((directive) => /^\s*default-src\b/.test(directive))!;
    expect(scripts).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
  });
});
