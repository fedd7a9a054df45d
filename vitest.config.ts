import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { startDnsResolver } from "./test/workers/dns-resolver.ts";

const migrations = await readD1Migrations("./migrations");
// Outgoing requests resolve names first (worker/lib/outgoing-url.ts); here through a local
// DNS-over-HTTPS stand-in, whose address the Worker under test takes as a binding.
const dnsResolver = await startDnsResolver();

/**
 * Every entry point of the Worker's dependencies that it and its tests import, read from the code:
 * a bundled `hono` beside an unbundled `hono/http-exception` would be two copies of Hono, whose
 * `instanceof` checks fail across them.
 */
function bundledDependencies(): string[] {
  const imported = new Set<string>();
  for (const folder of ["worker", "durable-objects", "contract", "test/workers"]) {
    for (const file of readdirSync(folder, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue;
      for (const [, specifier] of readFileSync(join(folder, file), "utf8").matchAll(/from "((?:hono|zod|@hono\/zod-openapi|drizzle-orm)(?:\/[^"]+)?)"/g))
        imported.add(specifier!);
    }
  }
  return [...imported].sort();
}

/** Real workerd with real D1, Durable Objects and R2, configured from wrangler.toml. */
function workersProject(
  name: string,
  files: { include: string[]; exclude?: string[] },
  { vars = {}, loopbackServices = true }: { vars?: Record<string, string>; loopbackServices?: boolean } = {},
) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            IDENTITY_SECRET: "test-identity-secret",
            API_KEY: "test-api-key",
            CREDENTIALS_KEY: "test-credentials-key",
            SHOPIFY_WEBHOOK_SECRET: "test-shopify-webhook-secret",
            ADMIN_EMAIL: "admin@example.com",
            ADMIN_PASSWORD: "admin-password-123",
            // Help-desk and outbox (SMS, webhooks, email) retries in milliseconds, not seconds: the same backoff, faster.
            HANDOFF_RETRY_BASE_MS: "20",
            // The ticket outbox's retries (SMS, emails, webhooks), likewise.
            OUTBOX_RETRY_BASE_MS: "20",
            // The notification email window in a second, not five minutes: the same batching, faster.
            NOTIFY_EMAIL_INTERVAL_MS: "1000",
            DNS_RESOLVER_URL: dnsResolver.url,
            // The local stand-ins (wire-services.ts, webhook-receiver.ts) listen on loopback, as
            // `npm run phone`'s does: the local-development switch lets Parley call them. Off
            // says so explicitly: the pool also reads .dev.vars, where `npm start` turns it on.
            DEV_LOOPBACK_SERVICES: loopbackServices ? "on" : "off",
            ...vars,
          },
          // These replace wrangler.toml's list: NOTIFY_EMAIL as there, and a second binding restricted
          // as an admin can restrict one in Cloudflare, so the notification tests meet the binding's
          // own refusals of a recipient and of a sender.
          email: {
            send_email: [
              { name: "NOTIFY_EMAIL" },
              { name: "RESTRICTED_EMAIL", allowed_destination_addresses: ["allowed@shop.test"], allowed_sender_addresses: ["notifications@parley.test"] },
            ],
          },
        },
      }),
    ],
    test: {
      name,
      ...files,
      // Each file runs in a fresh isolate that imports the whole Worker: these dependencies,
      // pre-bundled once into a module each, load far faster than their hundreds of files.
      deps: { optimizer: { ssr: { enabled: true, include: bundledDependencies() } } },
      setupFiles: ["test/workers/apply-migrations.ts", "test/workers/cancel-alarms.ts"],
      // Local HTTP stand-ins for Zendesk, Gorgias and OpenAI, for the clients that call them, and
      // a webhook receiver.
      globalSetup: ["test/workers/wire-services.ts", "test/workers/webhook-receiver.ts"],
    },
  };
}

export default defineConfig({
  test: {
    // Vitest's default on 2 cores is one file at a time; the workers files are mostly waiting on
    // workerd, so running several at a time shortens their part of the run: on 2 cores, 204 s
    // with two, 175 s with three, 171 s with four. (The e2e files still take turns: they share
    // one server, and Vitest runs them after the others.)
    maxWorkers: 3,
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      workersProject("workers", { include: ["test/workers/**/*.test.ts"], exclude: ["test/workers/sync.test.ts", "test/workers/outgoing-urls.test.ts"] }),
      // As deployed: no local-development switch, so outgoing URLs must be https to public hosts.
      workersProject("workers-strict", { include: ["test/workers/outgoing-urls.test.ts"] }, { loopbackServices: false }),
      // The D1 sync tests count writes per burst: a longer gathering window keeps a burst inside
      // one window even on a slow, busy CI machine.
      workersProject("workers-sync", { include: ["test/workers/sync.test.ts"] }, { vars: { D1_SYNC_DELAY_MS: "1000" } }),
      {
        // Node-side checks of the project itself, such as what `wrangler deploy` would upload.
        test: { name: "node", include: ["test/node/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        // Against `npm start` itself: real HTTP, real WebSocket clients (and, later, Chromium).
        // The files share one server and its settings, so they take turns.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/server.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 200_000,
        },
      },
    ],
  },
});
