// Starts Parley exactly as a user does (`npm start`), on its own port and with its own local
// state, for the tests that talk to it over real HTTP and WebSockets.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { devVars } from "../../scripts/dev-vars.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8788);
let server: ChildProcess | undefined;
let stateDir: string | undefined;

export async function setup(project: TestProject) {
  stateDir = mkdtempSync(join(tmpdir(), "parley-e2e-"));
  let output = "";
  // The scripted phone's Twilio and the tests' stand-ins listen on loopback: the local-development
  // switch, whatever an existing .dev.vars says.
  server = spawn("node", ["scripts/start.mjs", "--var", "DEV_LOOPBACK_SERVICES:on"], { env: { ...process.env, PORT: String(PORT), PARLEY_STATE_DIR: stateDir }, detached: true });
  server.stdout?.on("data", (chunk) => (output += chunk));
  server.stderr?.on("data", (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${PORT}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`npm start exited (${server.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`npm start did not answer /healthz in 180 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const vars = devVars(".dev.vars", ["IDENTITY_SECRET", "API_KEY", "ADMIN_EMAIL", "ADMIN_PASSWORD"]);
  project.provide("base", base);
  project.provide("identitySecret", vars.IDENTITY_SECRET!);
  project.provide("apiKey", vars.API_KEY!);
  project.provide("admin", { email: vars.ADMIN_EMAIL!, password: vars.ADMIN_PASSWORD! });
}

export async function teardown() {
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    base: string;
    identitySecret: string;
    apiKey: string;
    admin: { email: string; password: string };
  }
}
