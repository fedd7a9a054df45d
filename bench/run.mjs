// `npm run bench`: Parley against the platform floor (bench/floor), on this machine, over loopback.
//
// 1. Prepares two fresh local states (temp dirs): D1 migrations + 100,000 seeded tickets each.
// 2. Starts Parley exactly as `npm start` does (node scripts/start.mjs, PORT=8790,
//    PARLEY_STATE_DIR=<temp>, `--var SEND_RATE_PER_10S:100000000`) and the floor worker
//    (wrangler dev -c bench/floor/wrangler.toml --port 8791).
// 3. Measures, with the same client code against both:
//    a. customer→agent delivery latency (40 conversations × 25 paced messages, concurrent),
//    b. in-order acked messages per second in one hot conversation (2,000 pipelined sends),
//    c. inbox list time at 100,000 tickets (first page, cursor page, unassigned).
// 4. Prints each Parley figure next to the floor's, the ratio and the targets; stops both servers.
// Exit 0 when the run completed (missed targets are reported, not failures); 1 when it could not.
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { devVars, percentile } from "./local-parley.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FLOOR_CONFIG = "bench/floor/wrangler.toml";

// Ports: only 8790-8799 (others use 8787 and the tests).
const PARLEY_PORT = 8790;
const FLOOR_PORT = 8791;
const PARLEY_INSPECTOR_PORT = 8792;
const FLOOR_INSPECTOR_PORT = 8793;
const HOST = "127.0.0.1";

// Workload. Message body: the same 120 characters for every message, to both targets.
const LATENCY_CONVERSATIONS = 40;
const LATENCY_MESSAGES = 25;
const LATENCY_ROUNDS = 2;
const WARMUP_CONVERSATIONS = 5;
const WARMUP_MESSAGES = 10;
const HOT_ROUNDS = 3;
const COUNTS_REPS = 50;
const HOT_WARMUP = 200;
const HOT_MESSAGES = Number(process.env.BENCH_HOT_MESSAGES ?? 2000);
const SEED_TICKETS = Number(process.env.BENCH_SEED_TICKETS ?? 100_000);
const LIST_WARMUP = 20;
const LIST_REPS = Number(process.env.BENCH_LIST_REPS ?? 300);
const BODY = "Hi! I ordered the blue rain jacket last week (order #10234) and tracking hasn't moved since Monday. Could you check it?".padEnd(120, ".");

// Bounds: every wait has a deadline, and so does the whole run.
const RUN_DEADLINE_MS = 15 * 60_000;
const SERVER_START_MS = 180_000;
const FRAME_TIMEOUT_MS = 15_000;
const HOT_TIMEOUT_MS = 120_000;

// Local state (D1, Durable Objects) lives in RAM (/dev/shm) by default: on this machine's disk
// every SQLite commit waits for an fsync of ~2.5 ms, which would make both servers measure the
// disk rather than the code. BENCH_STATE_ROOT=/tmp measures with the disk.
const STATE_ROOT = process.env.BENCH_STATE_ROOT ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

const TARGETS = { p99Ms: 25, msgPerSec: 1000, listMs: 10, ratio: 1.5 };

// ---- processes -------------------------------------------------------------------------------

const children = new Set();
const childEnv = {
  ...process.env,
  PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};
const log = (...args) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
const started = performance.now();

/** Runs a command to completion (bounded); its output goes to `logFile`. */
function runStep(label, command, args, logFile, timeoutMs = 120_000) {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(logFile, "a");
    const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    children.add(child);
    const timer = setTimeout(() => {
      killGroup(child, "SIGKILL");
      reject(new Error(`${label} took over ${timeoutMs / 1000}s (log: ${logFile})`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolvePromise();
      else reject(new Error(`${label} failed with exit ${code}; see ${logFile}:\n${tail(logFile)}`));
    });
  });
}

/** Starts a long-running server in its own process group; output goes to `logFile`. */
function startServer(label, command, args, extraEnv, logFile) {
  const fd = openSync(logFile, "a");
  const child = spawn(command, args, { cwd: ROOT, env: { ...childEnv, ...extraEnv }, stdio: ["ignore", fd, fd], detached: true });
  closeSync(fd);
  child.label = label;
  child.logFile = logFile;
  child.exited = null;
  children.add(child);
  child.on("exit", (code, signal) => {
    child.exited = { code, signal };
    children.delete(child);
  });
  return child;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopAll() {
  const running = [...children];
  for (const child of running) killGroup(child, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && running.some((c) => c.exitCode === null && c.signalCode === null)) await sleep(100);
  // Also whatever the group leader left behind (workerd, esbuild).
  for (const child of running) killGroup(child, "SIGKILL");
  children.clear();
}

process.on("exit", () => {
  for (const child of children) killGroup(child, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    log(`${signal}: stopping servers`);
    await stopAll();
    process.exit(130);
  });
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForHealth(server, port) {
  const deadline = Date.now() + SERVER_START_MS;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`${server.label} exited (${JSON.stringify(server.exited)}) before it was ready:\n${tail(server.logFile)}`);
    try {
      const res = await fetch(`http://${HOST}:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok && (await res.json()).ok === true) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`${server.label} did not answer /healthz within ${SERVER_START_MS / 1000}s:\n${tail(server.logFile)}`);
}

// ---- seeding ---------------------------------------------------------------------------------

/**
 * 100,000 visible tickets (each with its own profile, as the one-open-ticket-per-profile index
 * needs): 60% open, 15% snoozed, 25% closed; half unassigned; 10% sms; last activity spread over
 * ~43 days, all older than the benchmark's own conversations.
 */
function seedSql(count) {
  const base = Math.floor(Date.now() / 1000) - 3600;
  const ts = (expr) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${expr}, 'unixepoch')`;
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})`;
  return `INSERT INTO profiles (id, external_id, email, phone, name, created_at, updated_at)
${numbers}
SELECT printf('prf_seed%06d', i), printf('seed-%06d', i), printf('shopper%06d@example.com', i), NULL, printf('Shopper %d', i),
  ${ts(base - 9_000_000)}, ${ts(base - 9_000_000)} FROM n;
INSERT INTO tickets (id, channel, status, snooze_until, assignee_id, profile_id, customer_name, preview, unread, visible, last_message_at, created_at, closed_at, version)
${numbers}
SELECT printf('tkt_seed%06d', i),
  CASE WHEN i % 10 = 0 THEN 'sms' ELSE 'webchat' END,
  CASE WHEN i % 20 < 12 THEN 'open' WHEN i % 20 < 15 THEN 'snoozed' ELSE 'closed' END,
  CASE WHEN i % 20 BETWEEN 12 AND 14 THEN ${ts(base + 3 * 86400)} END,
  CASE WHEN i % 2 = 0 THEN NULL ELSE 'agt_seed' || (i % 7) END,
  printf('prf_seed%06d', i), printf('Shopper %d', i), 'Hi, where is my order? It was supposed to arrive last week.', i % 3 = 0, 1,
  ${ts("" + base + " - i * 37")}, ${ts("" + base + " - i * 37 - 600")},
  CASE WHEN i % 20 >= 15 THEN ${ts("" + base + " - i * 37 + 60")} END, 3
FROM n;
`;
}

async function prepareState(label, configArgs, stateDir, sqlFile, logFile) {
  await runStep(`${label}: D1 migrations`, "npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", ...configArgs, "--persist-to", stateDir], logFile);
  await runStep(`${label}: seeding ${SEED_TICKETS} tickets`, "npx", ["wrangler", "d1", "execute", "DB", "--local", ...configArgs, "--persist-to", stateDir, "--file", sqlFile, "-y"], logFile);
}

// ---- HTTP and WebSocket clients (shared by both targets) --------------------------------------

async function http(port, path, { method = "GET", headers = {}, json } = {}) {
  const res = await fetch(`http://${HOST}:${port}${path}`, {
    method,
    headers: { ...(json !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: json !== undefined ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

function expectStatus(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** One WebSocket; every frame is parsed once and shown to `onFrame` and to each waiter. */
class Peer {
  constructor(url, headers, name) {
    this.name = name;
    this.url = url;
    this.onFrame = null;
    this.onClose = null;
    this.waiters = new Set();
    this.closed = null;
    this.errors = [];
    this.ws = new WebSocket(url, { headers });
    this.ws.addEventListener("message", (event) => {
      const at = performance.now();
      const frame = JSON.parse(event.data);
      if (frame.type === "error") this.errors.push(frame);
      this.onFrame?.(frame, at);
      for (const waiter of this.waiters) waiter(frame, at);
    });
    this.ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.onClose?.(this.closed);
      for (const waiter of this.waiters) waiter(null, performance.now());
    });
  }

  open() {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no open within ${FRAME_TIMEOUT_MS} ms (${this.url})`)), FRAME_TIMEOUT_MS);
      this.ws.addEventListener("open", () => (clearTimeout(timer), resolvePromise(this)), { once: true });
      this.ws.addEventListener("error", () => (clearTimeout(timer), reject(new Error(`${this.name}: WebSocket upgrade failed (${this.url})`))), { once: true });
    });
  }

  /** Resolves with {frame, at} for the first frame that matches; rejects on an error frame for `clientId`, a close or the timeout. */
  wait(predicate, what, clientId = null, timeoutMs = FRAME_TIMEOUT_MS) {
    return new Promise((resolvePromise, reject) => {
      const finish = (fn, value) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        fn(value);
      };
      const timer = setTimeout(() => finish(reject, new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; last errors: ${JSON.stringify(this.errors.slice(-3))}`)), timeoutMs);
      const waiter = (frame, at) => {
        if (frame === null) finish(reject, new Error(`${this.name}: socket closed ${JSON.stringify(this.closed)} while waiting for ${what}`));
        else if (clientId && frame.type === "error" && frame.clientId === clientId) finish(reject, new Error(`${this.name}: ${what} refused: ${JSON.stringify(frame)}`));
        else if (predicate(frame)) finish(resolvePromise, { frame, at });
      };
      this.waiters.add(waiter);
    });
  }

  send(clientId) {
    this.ws.send(JSON.stringify({ type: "send", clientId, body: BODY }));
  }

  close() {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

/**
 * A conversation with a customer socket and an agent socket. The customer writes one warm-up
 * message first (a Parley ticket is only visible to agents after the customer's first message),
 * then the agent socket connects.
 */
async function openConversation(target, index, tag) {
  const spec = await target.conversation(index, tag);
  const customer = await new Peer(spec.customerUrl, spec.customerHeaders, `${target.name} customer ${tag}${index}`).open();
  const warmId = `${tag}warm-${index}-${randomBytes(4).toString("hex")}`;
  const ack = customer.wait((f) => f.type === "ack" && f.clientId === warmId, `ack of ${warmId}`, warmId);
  customer.send(warmId);
  await ack;
  const agent = await new Peer(spec.agentUrl, spec.agentHeaders, `${target.name} agent ${tag}${index}`).open();
  return { customer, agent, id: spec.id };
}

/** a. 25 paced messages: each sent after the previous one is both acked and delivered to the agent. */
async function latencyRun(target, round, conversationCount = LATENCY_CONVERSATIONS, messageCount = LATENCY_MESSAGES) {
  const conversations = await Promise.all(Array.from({ length: conversationCount }, (_, i) => openConversation(target, i, `lat${round}-`)));
  await sleep(500); // let connection set-up work (hello, replays, D1 syncs) settle
  const samples = [];
  const began = performance.now();
  await Promise.all(
    conversations.map(async ({ customer, agent }, c) => {
      for (let k = 0; k < messageCount; k++) {
        const clientId = `lat${round}-${c}-${k}-${randomBytes(3).toString("hex")}`;
        const delivered = agent.wait((f) => f.type === "message" && f.clientId === clientId, `delivery of ${clientId}`);
        const acked = customer.wait((f) => f.type === "ack" && f.clientId === clientId, `ack of ${clientId}`, clientId);
        const sentAt = performance.now();
        customer.send(clientId);
        const [{ at }] = await Promise.all([delivered, acked]);
        samples.push(at - sentAt);
      }
    }),
  );
  const wall = performance.now() - began;
  for (const { customer, agent } of conversations) customer.close(), agent.close();
  return { samples, wall };
}

/** b. One customer socket sends everything at once; acks must come back in order, one per send. */
async function burst(customer, agent, count, tag) {
  const acks = [];
  let deliveries = 0;
  let lastDeliveredSeq = 0;
  let deliveryOrderOk = true;
  agent.onFrame = (f) => {
    if (f.type === "message" && f.clientId?.startsWith(tag)) {
      deliveries++;
      if (f.seq <= lastDeliveredSeq) deliveryOrderOk = false;
      lastDeliveredSeq = f.seq;
    }
  };
  const done = new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${customer.name}: only ${acks.length}/${count} acks within ${HOT_TIMEOUT_MS / 1000}s`)), HOT_TIMEOUT_MS);
    customer.onFrame = (f, at) => {
      if (f.type === "ack" && f.clientId.startsWith(tag)) {
        acks.push({ clientId: f.clientId, seq: f.seq, at });
        if (acks.length === count) clearTimeout(timer), resolvePromise();
      } else if (f.type === "error") {
        clearTimeout(timer);
        reject(new Error(`${customer.name}: error frame during the burst after ${acks.length} acks: ${JSON.stringify(f)}`));
      }
    };
    customer.onClose = (closed) => (clearTimeout(timer), reject(new Error(`${customer.name}: closed during the burst: ${JSON.stringify(closed)}`)));
  });
  const t0 = performance.now();
  for (let k = 0; k < count; k++) customer.send(`${tag}${k}`);
  const sendLoopMs = performance.now() - t0;
  await done;
  const elapsed = acks.at(-1).at - t0;
  let inOrder = true;
  for (let k = 0; k < acks.length; k++) {
    if (acks[k].clientId !== `${tag}${k}` || (k > 0 && acks[k].seq <= acks[k - 1].seq)) inOrder = false;
  }
  // Deliveries to the agent are not part of the figure, but must all arrive (bounded wait).
  const deadline = Date.now() + 10_000;
  while (deliveries < count && Date.now() < deadline) await sleep(20);
  customer.onFrame = agent.onFrame = null;
  customer.onClose = null;
  return { count, elapsed, msgPerSec: count / (elapsed / 1000), inOrder, acks: acks.length, seqs: [acks[0].seq, acks.at(-1).seq], deliveries, deliveryOrderOk, sendLoopMs };
}

async function throughputRun(target, round) {
  const { customer, agent } = await openConversation(target, round, "hot");
  await sleep(300);
  await burst(customer, agent, HOT_WARMUP, "warmburst-");
  await sleep(1000);
  const result = await burst(customer, agent, HOT_MESSAGES, "hot-");
  customer.close();
  agent.close();
  return result;
}

/** One timed GET, to the last byte of the body. */
async function timedGet(target, path) {
  const t0 = performance.now();
  const res = await fetch(`http://${HOST}:${target.port}${path}`, { headers: target.listHeaders, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`${target.name} GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { ms, text };
}

/**
 * c. Sequential GETs of each list page, alternating between the two targets request by request
 * (who goes first alternates too), so that both see the same machine at the same moment.
 */
async function listRun(targets) {
  const names = Object.keys(targets);
  const variants = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await targets[n].listVariants()])));
  const out = Object.fromEntries(names.map((n) => [n, {}]));
  for (const variant of Object.keys(variants[names[0]])) {
    for (const n of names) out[n][variant] = [];
    for (let i = 0; i < LIST_WARMUP + LIST_REPS; i++) {
      for (const n of i % 2 ? [...names].reverse() : names) {
        const { ms, text } = await timedGet(targets[n], variants[n][variant]);
        if (i === 0) {
          const page = JSON.parse(text);
          if (page.tickets.length !== 25) throw new Error(`${n} ${variant}: ${page.tickets.length} tickets, expected 25`);
        }
        if (i >= LIST_WARMUP) out[n][variant].push(ms);
      }
    }
  }
  return out;
}

// ---- targets -----------------------------------------------------------------------------------

/** A CF-Connecting-IP per simulated shopper (a header only: all traffic goes to 127.0.0.1). */
const shopperIp = (n) => `127.31.${(n >> 8) & 255}.${n & 255}`;
const AGENT_IP = "127.30.0.1";

async function parleyTarget(vars, runId) {
  const port = PARLEY_PORT;
  const login = await http(port, "/api/auth/login", {
    method: "POST",
    headers: { "CF-Connecting-IP": AGENT_IP },
    json: { email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD },
  });
  expectStatus(login, 200, "agent login");
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  if (!cookie?.startsWith("parley_session=")) throw new Error(`login set no parley_session cookie: ${login.headers.get("set-cookie")}`);
  const agentHeaders = { Cookie: cookie, "CF-Connecting-IP": AGENT_IP };
  let shoppers = 0;
  return {
    name: "Parley",
    port,
    listHeaders: agentHeaders,
    async conversation(_index, tag) {
      const n = ++shoppers;
      const ip = shopperIp(n);
      const externalId = `bench-${runId}-${tag}-${n}`;
      const userHash = createHmac("sha256", vars.IDENTITY_SECRET).update(externalId).digest("hex");
      const session = expectStatus(
        await http(port, "/api/widget/session", {
          method: "POST",
          headers: { "CF-Connecting-IP": ip },
          json: { customer: { id: externalId, name: `Bench Shopper ${n}`, email: `bench${n}@example.com` }, userHash },
        }),
        200,
        "widget session",
      );
      const { ticket } = expectStatus(
        await http(port, "/api/widget/conversations", { method: "POST", headers: { "CF-Connecting-IP": ip, Authorization: `Bearer ${session.token}` } }),
        201,
        "start chat",
      );
      return {
        id: ticket.id,
        customerUrl: `ws://${HOST}:${port}/api/widget/conversations/${ticket.id}/ws?token=${encodeURIComponent(session.token)}`,
        customerHeaders: { "CF-Connecting-IP": ip },
        agentUrl: `ws://${HOST}:${port}/api/tickets/${ticket.id}/ws`,
        agentHeaders,
      };
    },
    async listVariants() {
      const first = expectStatus(await http(port, "/api/tickets?status=open&limit=25", { headers: agentHeaders }), 200, "list");
      if (!first.nextCursor) throw new Error("Parley list: no nextCursor on the first page of 100k tickets");
      return {
        "status=open": "/api/tickets?status=open&limit=25",
        "status=open + cursor (page 2)": `/api/tickets?status=open&limit=25&cursor=${encodeURIComponent(first.nextCursor)}`,
        "status=open&assignee=unassigned": "/api/tickets?status=open&assignee=unassigned&limit=25",
      };
    },
    async counts() {
      return expectStatus(await http(port, "/api/inbox/counts", { headers: agentHeaders }), 200, "counts");
    },
  };
}

function floorTarget(runId) {
  const port = FLOOR_PORT;
  return {
    name: "floor",
    port,
    listHeaders: {},
    async conversation(index, tag) {
      const room = `${tag}-${runId}-${index}`;
      return {
        id: room,
        customerUrl: `ws://${HOST}:${port}/ws/${room}`,
        customerHeaders: { "CF-Connecting-IP": shopperIp(index + 1) },
        agentUrl: `ws://${HOST}:${port}/ws/${room}`,
        agentHeaders: { "CF-Connecting-IP": AGENT_IP },
      };
    },
    async listVariants() {
      const first = expectStatus(await http(port, "/list?status=open&limit=25"), 200, "floor list");
      return {
        "status=open": "/list?status=open&limit=25",
        "status=open + cursor (page 2)": `/list?status=open&limit=25&cursor=${encodeURIComponent(first.nextCursor)}`,
        "status=open&assignee=unassigned": "/list?status=open&assignee=unassigned&limit=25",
      };
    },
  };
}

// ---- statistics and report ---------------------------------------------------------------------

const median = (xs) => percentile(xs, 50);

const fmt = (x, digits = 2) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));

function compatDate(file) {
  return readFileSync(join(ROOT, file), "utf8").match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1];
}

function report(results, meta) {
  const lat = (t) => results[t].latency.samples;
  const rows = [];
  // kind "time": lower is better; "rate": higher is better.
  const add = (label, parley, floor, kind, target) => rows.push({ label, parley, floor, kind, target });
  add("a. customer→agent latency p50 (ms)", percentile(lat("Parley"), 50), percentile(lat("floor"), 50), "time", null);
  add("a. customer→agent latency p99 (ms)", percentile(lat("Parley"), 99), percentile(lat("floor"), 99), "time", { text: `< ${TARGETS.p99Ms} ms`, ok: (v) => v < TARGETS.p99Ms });
  add("b. hot conversation, acked msg/s", results.Parley.hot.msgPerSec, results.floor.hot.msgPerSec, "rate", { text: `≥ ${TARGETS.msgPerSec} msg/s`, ok: (v) => v >= TARGETS.msgPerSec });
  for (const variant of Object.keys(results.Parley.list)) {
    for (const p of [50, 99]) {
      const parley = percentile(results.Parley.list[variant], p);
      add(`c. list ${variant} p${p} (ms)`, parley, percentile(results.floor.list[variant], p), "time", { text: `< ${TARGETS.listMs} ms`, ok: (v) => v < TARGETS.listMs });
    }
  }

  const cols = [Math.max(...rows.map((r) => r.label.length)) + 2, 10, 10, 9, 16, 8, 12];
  const row = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(cols[i]) : i >= 4 ? `  ${String(c).padEnd(cols[i] - 2)}` : String(c).padStart(cols[i]))).join("").trimEnd();
  const out = [];
  const load = loadavg()[0];
  out.push("");
  out.push("PARLEY BENCHMARK: Parley vs the platform floor (bench/floor: a bare relay Durable Object and a bare D1 route)");
  out.push(`  ${meta.when} · node ${process.version} · wrangler ${meta.wrangler} · compatibility_date ${meta.compat} · ${availableParallelism()} cores · loopback only`);
  if (process.env.BENCH_PARLEY_ARGS) out.push(`  ⚠ Parley started with extra arguments BENCH_PARLEY_ARGS="${process.env.BENCH_PARLEY_ARGS}" (a diagnostic run)`);
  out.push(`  local D1/DO state in ${meta.stateRoot} · 1-min load average: ${meta.loadBefore.toFixed(2)} at start, ${load.toFixed(2)} at end`);
  out.push(
    `  a: ${LATENCY_CONVERSATIONS} conversations × ${LATENCY_MESSAGES} messages, all conversations at once, each message sent after the previous one's ack and delivery;`,
    `     time from the customer's ws.send to the agent socket receiving that message frame; ${LATENCY_ROUNDS} rounds, n=${lat("Parley").length} per target`,
    `  b: one conversation (customer + agent socket); the customer socket sends ${HOT_MESSAGES} messages at once (after a ${HOT_WARMUP}-message warm-up);`,
    `     time from the first send to the last ack; acks checked for count and strictly increasing seq; median of ${HOT_ROUNDS} rounds`,
    `  c: ${SEED_TICKETS.toLocaleString("en")} seeded visible tickets (60% open, half unassigned); GET the first page of 25 (and page 2, and unassigned)`,
    `     ${LIST_REPS}× each after ${LIST_WARMUP} warm-up, sequential, the two targets alternating; time to the last body byte`,
    `  every message body ${BODY.length} chars · ratio = Parley / floor · "ratio" column: within ${TARGETS.ratio}× of the floor`,
    `  a and b alternate which target goes first per round, after an untimed warm-up of each server (${WARMUP_CONVERSATIONS} conversations × ${WARMUP_MESSAGES} messages)`,
  );
  if (Math.max(meta.loadBefore, load) > availableParallelism()) {
    out.push(`  ⚠ other processes kept the ${availableParallelism()} cores busy during the run: both targets' figures are inflated; compare the ratios, and rerun on a quiet machine for the absolute targets`);
  }
  out.push("");
  out.push(row(["", "Parley", "floor", "ratio", "target", "", "ratio ≤ 1.5×"]));
  out.push("-".repeat(cols.reduce((a, b) => a + b, 0)));
  for (const r of rows) {
    const ratio = r.parley / r.floor;
    const ratioOk = r.kind === "time" ? ratio <= TARGETS.ratio : ratio >= 1 / TARGETS.ratio;
    out.push(row([r.label, fmt(r.parley), fmt(r.floor), `${ratio.toFixed(2)}×`, r.target?.text ?? "", r.target ? (r.target.ok(r.parley) ? "met" : "MISSED") : "", ratioOk ? "met" : "MISSED"]));
  }
  out.push("");
  out.push("Details");
  for (const t of ["Parley", "floor"]) {
    const l = results[t].latency;
    const mean = l.samples.reduce((a, b) => a + b, 0) / l.samples.length;
    out.push(`  ${t.padEnd(6)} a: rounds p50/p99 ${l.rounds.map((r) => `${fmt(r.p50)}/${fmt(r.p99)}`).join(", ")} ms; mean ${fmt(mean)}, max ${fmt(Math.max(...l.samples))} ms`);
  }
  for (const t of ["Parley", "floor"]) {
    const rounds = results[t].hot.rounds;
    const ok = rounds.every((h) => h.inOrder && h.acks === h.count);
    const delivered = rounds.every((h) => h.deliveries === h.count && h.deliveryOrderOk);
    out.push(
      `  ${t.padEnd(6)} b: rounds ${rounds.map((h) => `${fmt(h.msgPerSec)} msg/s (${fmt(h.elapsed)} ms)`).join(", ")}; ${HOT_MESSAGES}/${HOT_MESSAGES} acks in send order with strictly increasing seq: ${ok ? "yes" : "NO"}; agent got all in seq order: ${delivered ? "yes" : "NO"}`,
    );
  }
  const c = results.Parley.countsMs;
  out.push(`  Parley GET /api/inbox/counts (the query behind each counts frame): p50 ${fmt(percentile(c, 50))} ms, p99 ${fmt(percentile(c, 99))} ms at ${SEED_TICKETS.toLocaleString("en")} tickets`);
  if (meta.counts) out.push(`  Parley inbox counts after the run: ${JSON.stringify(meta.counts)}`);
  for (const [name, issues] of Object.entries(meta.logIssues)) {
    out.push(`  ${name} server log: ${issues.length} warning/error line(s)${issues.length ? `, e.g. ${issues.slice(0, 3).map((l) => JSON.stringify(l.slice(0, 200))).join("; ")}` : ""}`);
  }
  out.push("");
  return out.join("\n");
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  if (typeof WebSocket === "undefined" || Number(process.versions.node.split(".")[0]) < 22) {
    throw new Error(`needs Node ≥ 22 (global WebSocket); this is ${process.version}. Run it with \`npm run bench\`.`);
  }
  const compat = compatDate("wrangler.toml");
  if (compat !== compatDate(FLOOR_CONFIG)) throw new Error(`compatibility_date differs: wrangler.toml ${compat}, ${FLOOR_CONFIG} ${compatDate(FLOOR_CONFIG)}`);
  const wrangler = JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version;

  const work = mkdtempSync(join(STATE_ROOT, "parley-bench-"));
  const parleyState = join(work, "parley-state");
  const floorState = join(work, "floor-state");
  mkdirSync(parleyState);
  mkdirSync(floorState);
  const logs = { parley: join(work, "parley.log"), floor: join(work, "floor.log") };
  const sqlFile = join(work, "seed.sql");
  writeFileSync(sqlFile, seedSql(SEED_TICKETS));
  const runId = randomBytes(3).toString("hex");
  const loadBefore = loadavg()[0];
  let completed = false;
  log(`work dir ${work} (logs: parley.log, floor.log)`);

  try {
    // Seed both D1s before their servers open them (two workerd processes on one SQLite file is
    // asking for trouble). start.mjs then finds the migrations applied and goes straight on.
    log("preparing both local states: migrations + 100,000 tickets each");
    await Promise.all([prepareState("Parley", [], parleyState, sqlFile, logs.parley), prepareState("floor", ["-c", FLOOR_CONFIG], floorState, sqlFile, logs.floor)]);

    log("starting Parley (node scripts/start.mjs: vite builds, migrations, wrangler dev) and the floor");
    const parleyServer = startServer(
      "Parley (scripts/start.mjs)",
      join(ROOT, "node_modules/.bin/node"),
      [
        "scripts/start.mjs",
        "--var",
        "SEND_RATE_PER_10S:100000000",
        "--inspector-port",
        String(PARLEY_INSPECTOR_PORT),
        // For diagnosis only, e.g. BENCH_PARLEY_ARGS="--var D1_SYNC_DELAY_MS:600000".
        ...(process.env.BENCH_PARLEY_ARGS ?? "").split(/\s+/).filter(Boolean),
      ],
      { PORT: String(PARLEY_PORT), PARLEY_STATE_DIR: parleyState },
      logs.parley,
    );
    const floorServer = startServer(
      "floor (wrangler dev)",
      "npx",
      ["wrangler", "dev", "-c", FLOOR_CONFIG, "--port", String(FLOOR_PORT), "--ip", HOST, "--inspector-port", String(FLOOR_INSPECTOR_PORT), "--persist-to", floorState, "--show-interactive-dev-session=false"],
      {},
      logs.floor,
    );
    await Promise.all([waitForHealth(parleyServer, PARLEY_PORT), waitForHealth(floorServer, FLOOR_PORT)]);
    log("both servers up");

    const vars = devVars(join(ROOT, ".dev.vars"));
    const targets = { Parley: await parleyTarget(vars, runId), floor: floorTarget(runId) };
    const results = { Parley: {}, floor: {} };

    // An untimed warm-up of each server (JIT, settings caches, first D1 syncs), so that the
    // target that goes first in round 1 does not pay for a cold start.
    for (const name of ["Parley", "floor"]) {
      log(`warm-up: ${name}`);
      await latencyRun(targets[name], "w", WARMUP_CONVERSATIONS, WARMUP_MESSAGES);
    }
    await sleep(1500);
    // a and b run in rounds whose order alternates (Parley first, then floor first, ...), so
    // that a busy moment on this shared machine does not fall on one target only.
    const order = (round) => (round % 2 === 0 ? ["Parley", "floor"] : ["floor", "Parley"]);
    for (const name of ["Parley", "floor"]) results[name].latency = { samples: [], wall: 0, rounds: [] };
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      for (const name of order(round)) {
        log(`a. latency round ${round + 1}/${LATENCY_ROUNDS}: ${name}`);
        const { samples, wall } = await latencyRun(targets[name], round);
        const r = results[name].latency;
        r.samples.push(...samples);
        r.wall += wall;
        r.rounds.push({ p50: percentile(samples, 50), p99: percentile(samples, 99) });
        await sleep(1500);
      }
    }
    for (const name of ["Parley", "floor"]) results[name].hot = { rounds: [] };
    for (let round = 0; round < HOT_ROUNDS; round++) {
      for (const name of order(round)) {
        log(`b. hot conversation round ${round + 1}/${HOT_ROUNDS}: ${name}`);
        results[name].hot.rounds.push(await throughputRun(targets[name], round));
        await sleep(1500);
      }
    }
    for (const name of ["Parley", "floor"]) {
      const rounds = results[name].hot.rounds;
      results[name].hot.msgPerSec = median(rounds.map((r) => r.msgPerSec));
    }
    log("c. list: both targets, request by request");
    const list = await listRun(targets);
    results.Parley.list = list.Parley;
    results.floor.list = list.floor;
    log("inbox counts query (Parley, informational)");
    const countsMs = [];
    for (let i = 0; i < COUNTS_REPS; i++) countsMs.push((await timedGet(targets.Parley, "/api/inbox/counts")).ms);
    results.Parley.countsMs = countsMs;
    const counts = await targets.Parley.counts();

    const logIssues = {};
    for (const [name, file] of Object.entries(logs)) {
      logIssues[name] = readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => /✘|\bERROR\b|\bwarn|failed|retrying|exceeded|\] (GET|POST)[^\n]* [45]\d\d /i.test(l));
    }
    const text = report(results, { when: new Date().toISOString(), wrangler, compat, counts, stateRoot: STATE_ROOT, loadBefore, logIssues });
    console.log(text);
    const resultsDir = join(ROOT, "bench", "results");
    if (!existsSync(resultsDir)) mkdirSync(resultsDir);
    const file = join(resultsDir, `${new Date().toISOString().replaceAll(":", "-")}.json`);
    writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), node: process.version, wrangler, compat, results }, null, 1));
    log(`raw samples: ${file}`);
    completed = true;
  } finally {
    log("stopping servers");
    await stopAll();
    // The two seeded states are ~200 MB each: removed unless asked to keep them. Logs stay on failure.
    if (process.env.BENCH_KEEP_STATE) log(`kept ${work}`);
    else if (completed) rmSync(work, { recursive: true, force: true });
    else {
      rmSync(parleyState, { recursive: true, force: true });
      rmSync(floorState, { recursive: true, force: true });
      log(`logs kept in ${work}`);
    }
  }
}

const deadline = setTimeout(async () => {
  console.error(`✖ benchmark exceeded ${RUN_DEADLINE_MS / 60000} minutes; stopping`);
  await stopAll();
  process.exit(1);
}, RUN_DEADLINE_MS);

main().then(
  () => {
    clearTimeout(deadline);
    log("done");
    process.exit(0);
  },
  async (error) => {
    clearTimeout(deadline);
    console.error(`✖ benchmark did not complete: ${error?.stack ?? error}`);
    await stopAll();
    process.exit(1);
  },
);
