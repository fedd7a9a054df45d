// The e2e run's shared servers, started once for every test file: Parley exactly as a user starts
// it (`npm start`, through scripts/local-server.mjs) on a free port and with local state of its
// own, and one headless Chromium that the files connect to (browser.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { devVars } from "../../scripts/dev-vars.mjs";
import { ROOT, startParley } from "../../scripts/local-server.mjs";
import { launchChromiumServer } from "./browser";

export async function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), "parley-e2e-"));
  const [parley, chromium] = await Promise.allSettled([
    // E2E_PORT pins the port (the run fails at once if it is taken); by default the OS picks a free one.
    // The scripted phone's Twilio and the tests' stand-ins listen on loopback: the local-development
    // switch, whatever an existing .dev.vars says.
    startParley({ port: process.env.E2E_PORT ? Number(process.env.E2E_PORT) : undefined, stateDir, vars: { DEV_LOOPBACK_SERVICES: "on" }, output: "capture" }),
    launchChromiumServer(),
  ]);
  const teardown = async () => {
    await Promise.all([parley.status === "fulfilled" && parley.value.stop(), chromium.status === "fulfilled" && chromium.value.close()]);
    rmSync(stateDir, { recursive: true, force: true });
  };
  if (parley.status === "rejected" || chromium.status === "rejected") {
    await teardown();
    throw parley.status === "rejected" ? parley.reason : (chromium as PromiseRejectedResult).reason;
  }
  const vars = devVars(join(ROOT, ".dev.vars"), ["IDENTITY_SECRET", "API_KEY", "ADMIN_EMAIL", "ADMIN_PASSWORD"]);
  project.provide("base", parley.value.base);
  project.provide("chromiumEndpoint", chromium.value.wsEndpoint());
  project.provide("identitySecret", vars.IDENTITY_SECRET!);
  project.provide("apiKey", vars.API_KEY!);
  project.provide("admin", { email: vars.ADMIN_EMAIL!, password: vars.ADMIN_PASSWORD! });
  // One session of the .dev.vars admin for the whole run, with which each file makes an admin of
  // its own: sign-ins are limited to 10 a minute per account, and the files outnumber that.
  const login = await fetch(`${parley.value.base}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD }),
  });
  if (!login.ok) {
    await teardown();
    throw new Error(`the .dev.vars admin could not sign in: ${login.status} ${await login.text()}`);
  }
  project.provide("adminCookie", login.headers.get("set-cookie")!.split(";")[0]!);
  return teardown;
}

declare module "vitest" {
  export interface ProvidedContext {
    base: string;
    chromiumEndpoint: string;
    identitySecret: string;
    apiKey: string;
    admin: { email: string; password: string };
    adminCookie: string;
  }
}
