// Parley on this machine, started the one way `npm start`, the end-to-end tests and the
// benchmarks all use: local secrets in .dev.vars, the production build of the inbox and the
// widget, D1 migrations, then `wrangler dev` in a process group of its own. A server counts as up
// only when /healthz answers on its port from a process of its own tree, never someone else's.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoDataSql } from "./demo-data.mjs";
import { runGroup, spawnGroup, treeListensOn } from "./process-group.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const HOST = "127.0.0.1";
const BIN = join(ROOT, "node_modules", ".bin");

/**
 * wrangler's X_LOCAL_OBSERVABILITY as the servers get it: its local trace collector is off unless
 * the caller's environment asks for it. The collector runs inside workerd beside Parley and
 * stores a trace of every event (each WebSocket message is one) in a store that only grows, which
 * cost more CPU per message than Parley's own work and slowed the server down as it filled
 * (bench/README.md). Logs still print; deployed Workers have no such collector in the Worker's
 * process.
 */
export const localTracesSetting = () => process.env.X_LOCAL_OBSERVABILITY ?? "false";

/** Offline and quiet: no metrics, no banner, no request to Cloudflare; Node 22 from node_modules first. */
const wranglerEnv = () => ({
  ...process.env,
  PATH: `${BIN}:${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  X_LOCAL_OBSERVABILITY: localTracesSetting(),
});

/** Runs `wrangler <args>` in the project to its end, offline; a failure throws with its output. */
export function runWrangler(args, output = "inherit") {
  return runGroup(join(BIN, "wrangler"), args, { cwd: ROOT, env: wranglerEnv(), output });
}

function listen(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, HOST, () => resolve(server));
  });
}

/** A port that nothing listens on, as the OS hands one out. */
export async function freePort() {
  const server = await listen(0);
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `port` if nothing listens on it yet; otherwise a clear error, before anything is started. */
async function claimablePort(port, label) {
  try {
    const server = await listen(port);
    await new Promise((resolve) => server.close(resolve));
    return port;
  } catch (error) {
    if (error.code !== "EADDRINUSE") throw error;
    throw new Error(
      `${label}: port ${port} on ${HOST} is already taken by another process; stop it or choose another port (or leave the port unset to get a free one).`,
    );
  }
}

/** Resolves once /healthz answers {"ok":true} on `port` from `group`'s own process tree. */
async function untilHealthy(group, port, label, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (group.exitStatus) throw new Error(`${label} exited (${JSON.stringify(group.exitStatus)}) before it answered /healthz:\n${group.output()}`);
    const healthy = await fetch(`http://${HOST}:${port}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then(async (response) => response.ok && (await response.json()).ok === true)
      .catch(() => false);
    if (healthy) {
      // The port was free when the server was spawned, but another process could have taken it
      // since: the answer counts only if the listening socket is this server's.
      if (treeListensOn(group.pid, port) === false || group.exitStatus) {
        throw new Error(
          `${label}: something answers /healthz on port ${port}, but not the server this run started (pid ${group.pid}); another process took the port.`,
        );
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`${label} did not answer /healthz on port ${port} within ${timeoutMs / 1000} s:\n${group.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `wrangler dev` with `args`, on `port` (a free one when not given) with an inspector port of its
 * own, in its own process group; resolves once it is healthy. `output`: see spawnGroup.
 */
export async function startWranglerDev({ label, port, args = [], output = "inherit", timeoutMs = 180_000 }) {
  const listenPort = port === undefined ? await freePort() : await claimablePort(port, label);
  // workerd's debugger: bench/profile.mjs takes CPU profiles through it.
  const inspectorPort = await freePort();
  const group = spawnGroup(
    join(BIN, "wrangler"),
    ["dev", "--ip", HOST, "--port", String(listenPort), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", ...args],
    { cwd: ROOT, env: wranglerEnv(), output },
  );
  try {
    await untilHealthy(group, listenPort, label, timeoutMs);
  } catch (error) {
    await group.stop();
    throw error;
  }
  return {
    base: `http://${HOST}:${listenPort}`,
    port: listenPort,
    inspectorPort,
    pid: group.pid,
    exited: group.exited,
    output: group.output,
    stop: group.stop,
  };
}

/** Writes .dev.vars with fresh local secrets when there is none; adds what an older one lacks. */
function ensureDevVars(port, say) {
  const file = join(ROOT, ".dev.vars");
  if (!existsSync(file)) {
    const password = randomBytes(12).toString("base64url");
    writeFileSync(
      file,
      [
        "# Generated by `npm start` for local use only. Production secrets: `wrangler secret put NAME`.",
        `IDENTITY_SECRET="${randomBytes(32).toString("hex")}"`,
        `API_KEY="${randomBytes(24).toString("hex")}"`,
        `CREDENTIALS_KEY="${randomBytes(32).toString("hex")}"`,
        `ADMIN_EMAIL="admin@example.com"`,
        `ADMIN_PASSWORD="${password}"`,
        "# Local development only: lets Parley call services on this machine, such as `npm run phone`'s",
        "# Twilio. Deployed, outgoing addresses must be https to public hosts (docs/security.md).",
        `DEV_LOOPBACK_SERVICES="on"`,
        "",
      ].join("\n"),
    );
    say(
      `\nNo .dev.vars was found, so one was generated with fresh local secrets.\n  Sign in at http://${HOST}:${port ?? "<port>"}/ as admin@example.com / ${password}\n  (the password is in .dev.vars as ADMIN_PASSWORD).\n`,
    );
  }
  // A .dev.vars from before the AI agent's keys existed gets the secret that seals them.
  if (!/^CREDENTIALS_KEY=/m.test(readFileSync(file, "utf8"))) {
    appendFileSync(file, `\n# Seals the keys of outside services that admins enter in the settings.\nCREDENTIALS_KEY="${randomBytes(32).toString("hex")}"\n`);
  }
}

/**
 * The demo data (scripts/demo-data.mjs) into the local D1: `--local`, so only ever the state on
 * this machine. Its output is kept for an error message; one line says what it did.
 */
async function writeDemoData(persist, say) {
  const dir = mkdtempSync(join(tmpdir(), "parley-demo-"));
  const file = join(dir, "demo-data.sql");
  try {
    writeFileSync(file, demoDataSql());
    await runWrangler(["d1", "execute", "DB", "--local", ...persist, "--file", file, "-y"], "capture");
    say("Demo data (local only): four weeks of closed demo conversations for the Reports page (ids tkt_demo_…, not in the inbox).");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Parley as `npm start` runs it: .dev.vars, the builds, D1 migrations, then `wrangler dev` with
 * the demo store on. `stateDir`: local D1, Durable Object and R2 state of its own (default
 * .wrangler/state); `vars`: extra `--var`s; `args`: more `wrangler dev` arguments; `demoData`:
 * also write the demo data (scripts/demo-data.mjs) into the local D1 after the migrations, as
 * only `npm start` asks (with the demo store on).
 */
export async function startParley({ port, stateDir, vars = {}, args = [], output = "inherit", timeoutMs, demoData = false }) {
  // The generated password is in .dev.vars too: captured output can go without it.
  const say = (text) => (output === "inherit" ? console.log(text) : output === "capture" ? undefined : appendFileSync(output, `${text}\n`));
  ensureDevVars(port, say);
  const persist = stateDir ? ["--persist-to", stateDir] : [];
  // Always the production build, whatever NODE_ENV the caller runs under (vitest sets "test").
  const production = { cwd: ROOT, env: { ...wranglerEnv(), NODE_ENV: "production" }, output };
  const build = async () => {
    // The inbox's build empties dist/, the panel's adds dist/widget/, and widget.js names the panel's files: one after the other.
    for (const config of ["admin-ui/vite.config.ts", "widget/vite.panel.config.ts", "widget/vite.config.ts"]) {
      await runGroup(join(BIN, "vite"), ["build", "--logLevel", "warn", "--config", config], production);
    }
  };
  const allVars = { DEMO: "on", ...vars };
  // The migrations (and the demo data after them) touch only the local state: they run beside the builds.
  const migrate = async () => {
    await runWrangler(["d1", "migrations", "apply", "DB", "--local", ...persist], output);
    if (demoData && allVars.DEMO === "on") await writeDemoData(persist, say);
  };
  await Promise.all([build(), migrate()]);
  const extraVars = Object.entries(allVars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  return startWranglerDev({ label: "Parley (npm start)", port, args: [...extraVars, ...persist, ...args], output, timeoutMs });
}
