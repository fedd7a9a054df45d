// Commands run as the leaders of process groups of their own, so that stopping one stops all it
// started (wrangler's node, workerd, esbuild), even where a parent does not pass a signal on; and
// what /proc tells about such a tree: its processes, their CPU time, their listening sockets.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

const OUTPUT_KEPT_CHARS = 64 * 1024;

const groups = new Set();

// A dying caller takes its groups along; `exit` handlers run on process.exit() and a normal end,
// so callers that may be interrupted call stopGroupsOnSignals().
process.on("exit", () => {
  for (const group of groups) signalGroup(group.pid, "SIGKILL");
});

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * Starts `command` as the leader of a new process group. `output` is "inherit", "capture" (the
 * last OUTPUT_KEPT_CHARS characters, for error messages) or a log file's path.
 */
export function spawnGroup(command, args, { cwd, env, output = "inherit" } = {}) {
  const stdio = output === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"];
  const child = spawn(command, args, { cwd, env, stdio, detached: true });
  let kept = "";
  const keep = (chunk) => {
    if (output === "capture") kept = (kept + chunk).slice(-OUTPUT_KEPT_CHARS);
    else appendFileSync(output, chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exitStatus = null;
  const exited = new Promise((resolve) => {
    child.on("error", (error) => {
      exitStatus = { code: null, signal: null, error };
      resolve(exitStatus);
    });
    child.on("exit", (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
  }).finally(() => groups.delete(group));
  const group = {
    pid: child.pid,
    exited,
    /** null while the leader runs, then { code, signal }. */
    get exitStatus() {
      return exitStatus;
    },
    /** What the command printed: the kept tail, or the log file's last lines. */
    output() {
      if (output === "inherit") return "(printed above)";
      if (output === "capture") return kept;
      return readFileSync(output, "utf8").split("\n").slice(-40).join("\n");
    },
    /** SIGTERM to the whole group; SIGKILL to whatever is left once the leader has exited or `graceMs` passed. */
    async stop(graceMs = 5000) {
      signalGroup(child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      signalGroup(child.pid, "SIGKILL");
      groups.delete(group);
    },
  };
  if (child.pid !== undefined) groups.add(group);
  return group;
}

/** Runs `command` in a group of its own to its end; a failure throws with the command's output. */
export async function runGroup(command, args, options = {}, timeoutMs = 180_000) {
  const group = spawnGroup(command, args, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    group.stop();
  }, timeoutMs);
  const { code, signal, error } = await group.exited;
  clearTimeout(timer);
  if (code === 0) return;
  const why = timedOut ? `did not finish within ${timeoutMs / 1000} s` : error ? error.message : signal ? `was stopped by ${signal}` : `failed (exit ${code})`;
  throw new Error(`${command} ${args.join(" ")} ${why}:\n${group.output()}`);
}

/** Stops every group this process started. */
export function stopAllGroups() {
  return Promise.all([...groups].map((group) => group.stop()));
}

/** On SIGINT or SIGTERM: stops every group this process started, then exits. */
export function stopGroupsOnSignals(exitCode = 130) {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, async () => {
      await stopAllGroups();
      process.exit(exitCode);
    });
  }
}

// ---- /proc (Linux) ------------------------------------------------------------------------------

/** A process's name, parent and CPU ticks, from /proc/<pid>/stat; null once it is gone. */
function procStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (name) state ppid …": the name may hold spaces and parentheses, so fields count from its last ")".
  const nameEnd = text.lastIndexOf(")");
  const fields = text.slice(nameEnd + 2).split(" ");
  return { pid, name: text.slice(text.indexOf("(") + 1, nameEnd), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** `rootPid` and every process below it, each with its name and CPU ticks (utime + stime). */
export function processTree(rootPid) {
  const all = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => procStat(Number(entry)))
    .filter(Boolean);
  const tree = all.filter((process) => process.pid === rootPid);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((process) => process.ppid === tree[i].pid));
  return tree;
}

let msPerTick;

/** CPU time (user + system, in ms) that the processes named `name` in `rootPid`'s tree have used so far. */
export function treeCpuMs(rootPid, name) {
  msPerTick ??= 1000 / Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);
  return processTree(rootPid)
    .filter((process) => process.name === name)
    .reduce((sum, process) => sum + process.ticks * msPerTick, 0);
}

/** The inodes of the TCP sockets listening on `port`, from /proc/net/tcp{,6}; null where that can't be read. */
function listeningInodes(port) {
  const inodes = new Set();
  let readable = false;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = readFileSync(table, "utf8");
      readable = true;
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const LISTEN = "0A";
      if (fields[3] === LISTEN && parseInt(fields[1]?.split(":")[1] ?? "", 16) === port) inodes.add(fields[9]);
    }
  }
  return readable ? inodes : null;
}

/**
 * Whether a process in `rootPid`'s tree holds the socket listening on `port`: true, false, or
 * null where /proc can't tell (not Linux).
 */
export function treeListensOn(rootPid, port) {
  const inodes = listeningInodes(port);
  if (!inodes) return null;
  for (const { pid } of processTree(rootPid)) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1])) return true;
      } catch {
        // the descriptor closed meanwhile
      }
    }
  }
  return false;
}
