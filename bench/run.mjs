// `npm run bench`: Parley against the platform floor (bench/floor), on this machine, over loopback.
//
// 1. Prepares two fresh local states (temp dirs): D1 migrations + 100,000 seeded tickets each.
// 2. Starts Parley exactly as `npm start` does (scripts/local-server.mjs, its own state,
//    `--var SEND_RATE_PER_10S:100000000`) and the floor worker (wrangler dev -c
//    bench/floor/wrangler.toml), each on a port the OS hands out.
// 3. Measures, with the same client code against both (workloads.mjs):
//    a. customer→agent delivery latency (40 conversations × 25 paced messages, concurrent),
//    b. in-order acked messages per second in one hot conversation (2,000 pipelined sends),
//    and for a and b, the servers' CPU time per message,
//    c. inbox list time at 100,000 tickets (first page, cursor page, unassigned),
//    d. Parley's reports (GET /api/reports) over those tickets' report facts (reports.mjs).
// 4. Prints each Parley figure next to the floor's, the ratio and the targets (d: Parley's and
//    its target only, the floor has no reports); stops both servers.
// Exit 0 when the run completed (missed targets are reported, not failures); 1 when it could not.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { devVars } from "../scripts/dev-vars.mjs";
import { ROOT, startParley, startWranglerDev } from "../scripts/local-server.mjs";
import { stopAllGroups, stopGroupsOnSignals } from "../scripts/process-group.mjs";
import { percentile } from "./local-parley.mjs";
import { report } from "./report.mjs";
import { reportsReport, reportsRun } from "./reports.mjs";
import { prepareState, seedSql } from "./seed.mjs";
import { floorTarget, parleyTarget } from "./targets.mjs";
import { latencyRun, listRun, throughputRun, timedGet, WORKLOAD } from "./workloads.mjs";

const FLOOR_CONFIG = "bench/floor/wrangler.toml";
const SEED_TICKETS = Number(process.env.BENCH_SEED_TICKETS ?? 100_000);
const COUNTS_REPS = 50;
// Every wait has a deadline, and so does the whole run.
const RUN_DEADLINE_MS = 15 * 60_000;

// Local state (D1, Durable Objects) lives in RAM (/dev/shm) by default: on this machine's disk
// every SQLite commit waits for an fsync of ~2.5 ms, which would make both servers measure the
// disk rather than the code. BENCH_STATE_ROOT=/tmp measures with the disk.
const STATE_ROOT = process.env.BENCH_STATE_ROOT ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

const started = performance.now();
const log = (...args) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);

function compatDate(file) {
  return readFileSync(join(ROOT, file), "utf8").match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1];
}

/** Runs `measure(name, round)` for both targets, round by round, alternating who goes first. */
async function alternating(rounds, label, measure) {
  const results = { Parley: [], floor: [] };
  for (let round = 0; round < rounds; round++) {
    // Parley first, then the floor first, …: a busy moment on this shared machine does not fall on one target only.
    for (const name of round % 2 === 0 ? ["Parley", "floor"] : ["floor", "Parley"]) {
      log(`${label} round ${round + 1}/${rounds}: ${name}`);
      results[name].push(await measure(name, round));
    }
  }
  return results;
}

/** The server log lines that look like trouble. */
function logIssues(file) {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => /✘|\bERROR\b|\bwarn|failed|retrying|exceeded|\] (GET|POST)[^\n]* [45]\d\d /i.test(l));
}

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
    // asking for trouble). startParley then finds the migrations applied and goes straight on.
    log(`preparing both local states: migrations + ${SEED_TICKETS.toLocaleString("en")} tickets each`);
    await Promise.all([prepareState([], parleyState, sqlFile, logs.parley), prepareState(["-c", FLOOR_CONFIG], floorState, sqlFile, logs.floor)]);

    log("starting Parley (as npm start: vite builds, migrations, wrangler dev) and the floor");
    const [parleyServer, floorServer] = await Promise.all([
      startParley({
        stateDir: parleyState,
        vars: { SEND_RATE_PER_10S: "100000000" },
        // For diagnosis only, e.g. BENCH_PARLEY_ARGS="--var D1_SYNC_DELAY_MS:600000".
        args: (process.env.BENCH_PARLEY_ARGS ?? "").split(/\s+/).filter(Boolean),
        output: logs.parley,
      }),
      startWranglerDev({ label: "floor (wrangler dev)", args: ["-c", FLOOR_CONFIG, "--persist-to", floorState], output: logs.floor }),
    ]);
    log(`both servers up: Parley ${parleyServer.base}, floor ${floorServer.base}`);

    const targets = { Parley: await parleyTarget(parleyServer, devVars(join(ROOT, ".dev.vars")), runId), floor: floorTarget(floorServer, runId) };
    const results = { Parley: {}, floor: {} };

    // An untimed warm-up of each server (JIT, settings caches, first D1 syncs), so that the
    // target that goes first in round 1 does not pay for a cold start.
    for (const name of ["Parley", "floor"]) {
      log(`warm-up: ${name}`);
      await latencyRun(targets[name], "w", WORKLOAD.warmupConversations, WORKLOAD.warmupMessages);
    }
    const latency = await alternating(WORKLOAD.latencyRounds, "a. latency", (name, round) => latencyRun(targets[name], round));
    const hot = await alternating(WORKLOAD.hotRounds, "b. hot conversation", (name, round) => throughputRun(targets[name], round));
    for (const name of ["Parley", "floor"]) {
      results[name].latency = { rounds: latency[name] };
      results[name].hot = {
        rounds: hot[name],
        msgPerSec: percentile(
          hot[name].map((r) => r.msgPerSec),
          50,
        ),
      };
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
    results.Parley.reports = await reportsRun(targets.Parley, log);

    const issues = Object.fromEntries(Object.entries(logs).map(([name, file]) => [name, logIssues(file)]));
    console.log(
      report(results, {
        when: new Date().toISOString(),
        wrangler,
        compat,
        counts,
        stateRoot: STATE_ROOT,
        loadBefore,
        logIssues: issues,
        seedTickets: SEED_TICKETS,
      }),
    );
    console.log(reportsReport(results.Parley.reports, SEED_TICKETS));
    const resultsDir = join(ROOT, "bench", "results");
    if (!existsSync(resultsDir)) mkdirSync(resultsDir);
    const file = join(resultsDir, `${new Date().toISOString().replaceAll(":", "-")}.json`);
    writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), node: process.version, wrangler, compat, results }, null, 1));
    log(`raw samples: ${file}`);
    completed = true;
  } finally {
    log("stopping servers");
    await stopAllGroups();
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

stopGroupsOnSignals();
const deadline = setTimeout(async () => {
  console.error(`✖ benchmark exceeded ${RUN_DEADLINE_MS / 60000} minutes; stopping`);
  await stopAllGroups();
  process.exit(1);
}, RUN_DEADLINE_MS);

main().then(
  () => {
    clearTimeout(deadline);
    log("done");
    process.exit(0);
  },
  (error) => {
    clearTimeout(deadline);
    console.error(`✖ benchmark did not complete: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
