// Shared by the browser benchmarks: Parley started exactly as `npm start` starts it, on a port and
// with local state of its own, and the small helpers they report with.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { devVars } from "../scripts/dev-vars.mjs";

/** Starts `node scripts/start.mjs` with fresh state; resolves once /healthz answers. */
export async function startParley({ port, inspectorPort, label, args = [] }) {
  const state = mkdtempSync(join(tmpdir(), `parley-bench-${label}-`));
  const server = spawn("node", ["scripts/start.mjs", "--inspector-port", String(inspectorPort), ...args], {
    env: { ...process.env, PORT: String(port), PARLEY_STATE_DIR: state },
    detached: true,
    stdio: "ignore",
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // gone
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (i > 360) throw new Error("npm start did not come up in 180 s");
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    stop();
    throw error;
  }
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

export const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
};
