import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("./migrations");

export default defineConfig({
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      {
        // Real workerd with real D1, Durable Objects and R2, configured from wrangler.toml.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                IDENTITY_SECRET: "test-identity-secret",
                API_KEY: "test-api-key",
                ADMIN_EMAIL: "admin@example.com",
                ADMIN_PASSWORD: "admin-password-123",
              },
            },
          }),
        ],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"], setupFiles: ["test/workers/apply-migrations.ts"] },
      },
      {
        // Against `npm start` itself: real HTTP, real WebSocket clients (and, later, Chromium).
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], globalSetup: ["test/e2e/server.ts"], testTimeout: 60_000, hookTimeout: 200_000 },
      },
    ],
  },
});
