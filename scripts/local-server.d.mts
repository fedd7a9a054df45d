export const ROOT: string;
export const HOST: string;

/** "inherit", "capture" (kept in memory for error messages), or a log file's path. */
export type Output = "inherit" | "capture" | (string & {});

export type LocalServer = {
  base: string;
  port: number;
  /** workerd's debugger (Chrome DevTools protocol), for CPU profiles. */
  inspectorPort: number;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  output(): string;
  stop(graceMs?: number): Promise<void>;
};

/** wrangler's X_LOCAL_OBSERVABILITY as the servers get it ("false" unless the environment sets it). */
export function localTracesSetting(): string;

export function freePort(): Promise<number>;

export function startWranglerDev(options: { label: string; port?: number; args?: string[]; output?: Output; timeoutMs?: number }): Promise<LocalServer>;

export function startParley(options?: {
  port?: number;
  stateDir?: string;
  vars?: Record<string, string>;
  args?: string[];
  output?: Output;
  timeoutMs?: number;
  /** Also write the local demo data (scripts/demo-data.mjs) after the migrations: `npm start` only. */
  demoData?: boolean;
}): Promise<LocalServer>;

export function runWrangler(args: string[], output?: Output): Promise<void>;
