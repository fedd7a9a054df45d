// `npm run bench:profile [paced|hot] [floor]`: where Parley's isolate (or the floor's) spends its
// CPU during one of the benchmark's chat workloads. It starts the server (Parley as `npm start`
// does, or the bench floor) with its own state, on a free port, takes a V8 CPU profile of the
// Worker's isolate (the Worker and its Durable Objects run there) over the workload, and prints
// the functions with the most self time, and the same by file. A diagnosis, not a figure:
// `npm run bench` gives the figures.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devVars } from "../scripts/dev-vars.mjs";
import { ROOT, startParley, startWranglerDev } from "../scripts/local-server.mjs";
import { stopAllGroups, stopGroupsOnSignals } from "../scripts/process-group.mjs";
import { floorTarget, parleyTarget } from "./targets.mjs";
import { latencyRun, throughputRun } from "./workloads.mjs";

const workload = process.argv[2] ?? "hot";
const ofFloor = process.argv[3] === "floor";
if (!["paced", "hot"].includes(workload)) throw new Error(`unknown workload ${workload}: paced or hot`);
const TOP = Number(process.env.PROFILE_TOP ?? 25);
const SAMPLING_INTERVAL_US = 200;
/** Samples further apart than this were not taken in a row: the isolate waited in between. */
const IDLE_GAP_MS = 10;

/** One Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspect(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  // The inspector answers debuggers on this machine only, as its Origin must say.
  const socket = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://127.0.0.1" } });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let id = 0;
  const waiting = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.id && waiting.has(message.id)) waiting.get(message.id)(message);
  };
  return {
    send(method, params = {}) {
      const call = ++id;
      socket.send(JSON.stringify({ id: call, method, params }));
      return new Promise((resolve) => waiting.set(call, resolve));
    },
    close: () => socket.close(),
  };
}

/**
 * Self time (ms) by function and by file, from a V8 CPU profile. workerd's isolate takes no
 * samples while it waits for events, so the first sample after a wait follows a gap as long as
 * the wait (a second and more while a ticket holds its D1 write back): such a sample counts as
 * one sampling interval, and the gaps are reported apart, as idle.
 */
function summarize(profile) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    let ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (ms > IDLE_GAP_MS) {
      idleMs += ms - SAMPLING_INTERVAL_US / 1000;
      ms = SAMPLING_INTERVAL_US / 1000;
    }
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + ms);
  }
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  for (const [nodeId, ms] of self) {
    const { functionName, url, lineNumber } = byNode.get(nodeId).callFrame;
    const file = url ? url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "") : "(native)";
    const name = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    if (functionName !== "(idle)" && functionName !== "(program)") total += ms;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
  }
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return { total, idleMs, functions: top(byFunction), files: top(byFile) };
}

stopGroupsOnSignals();
// In RAM, as the benchmark does: on disk every SQLite commit waits for an fsync.
const stateDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "parley-profile-"));
try {
  const runId = Date.now().toString(36);
  const server = ofFloor
    ? await startWranglerDev({ label: "floor", args: ["-c", "bench/floor/wrangler.toml", "--persist-to", stateDir], output: "capture" })
    : await startParley({ stateDir, vars: { SEND_RATE_PER_10S: "100000000" }, output: "capture" });
  const target = ofFloor ? floorTarget(server, runId) : await parleyTarget(server, devVars(join(ROOT, ".dev.vars")), runId);
  // A warm-up, untimed and unprofiled: the code is compiled and the caches are filled.
  await latencyRun(target, 0, 5, 10);
  const inspector = await inspect(server.inspectorPort);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  let profile;
  // Only the workload's measured window (its set-up is left out, as in the benchmark).
  target.profiler = {
    start: () => inspector.send("Profiler.start"),
    stop: async () =>
      ({
        result: { profile },
      } = await inspector.send("Profiler.stop")),
  };
  const result = workload === "hot" ? await throughputRun(target, 0) : await latencyRun(target, 0);
  inspector.close();
  const { total, idleMs, functions, files } = summarize(profile);
  const messages = result.messages ?? result.count;
  console.log(
    `${workload}: ${messages} messages; JS self time in the isolate ${total.toFixed(0)} ms (${(total / messages).toFixed(3)} ms per message), ${profile.samples.length} samples; idle gaps over ${IDLE_GAP_MS} ms left out: ${idleMs.toFixed(0)} ms`,
  );
  console.log("\nby function (self ms):");
  for (const [name, ms] of functions) console.log(`  ${ms.toFixed(1).padStart(8)}  ${name}`);
  console.log("\nby file (self ms):");
  for (const [name, ms] of files) console.log(`  ${ms.toFixed(1).padStart(8)}  ${name}`);
} finally {
  await stopAllGroups();
  rmSync(stateDir, { recursive: true, force: true });
}
