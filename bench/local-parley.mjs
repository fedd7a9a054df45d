// Shared by the benchmarks: Parley started exactly as `npm start` starts it (scripts/local-server.mjs),
// on a free port and with local state of its own, and the small helpers they report with.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startParley } from "../scripts/local-server.mjs";
import { stopGroupsOnSignals } from "../scripts/process-group.mjs";

export { devVars } from "../scripts/dev-vars.mjs";
export { CHROMIUM } from "../scripts/chromium.mjs";

/** Starts Parley with fresh state and extra `--var`s; resolves once its /healthz answers. */
export async function startBenchParley({ label, vars = {} }) {
  stopGroupsOnSignals();
  const state = mkdtempSync(join(tmpdir(), `parley-bench-${label}-`));
  let server;
  try {
    server = await startParley({ stateDir: state, vars, output: "capture" });
  } catch (error) {
    rmSync(state, { recursive: true, force: true });
    throw error;
  }
  const { base } = server;
  const stop = async () => {
    await server.stop();
    rmSync(state, { recursive: true, force: true });
  };
  /** A JSON call to this server; an error answer throws, naming the call. */
  const json = async (path, init = {}) => {
    const response = await fetch(base + path, { ...init, headers: { "Content-Type": "application/json", ...init.headers } });
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  };
  return { base, stop, json };
}

/** The sample at percentile `p` (nearest rank). */
export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
