// The client side that the benchmark uses against both servers alike: JSON over HTTP, and a
// WebSocket peer that timestamps every frame as it arrives.
import { performance } from "node:perf_hooks";

/** Every message body, to both servers: the same 120 characters. */
export const BODY = "Hi! I ordered the blue rain jacket last week (order #10234) and tracking hasn't moved since Monday. Could you check it?".padEnd(120, ".");
export const FRAME_TIMEOUT_MS = 15_000;

export async function http(base, path, { method = "GET", headers = {}, json } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(json !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: json !== undefined ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export function expectStatus(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** One WebSocket; every frame is parsed once and shown to `onFrame` and to each waiter. */
export class Peer {
  constructor(url, headers, name) {
    this.name = name;
    this.url = url;
    this.onFrame = null;
    this.onClose = null;
    this.waiters = new Set();
    this.closed = null;
    this.errors = [];
    /** Frames this socket has received: what the server sent it, each one a send of its own. */
    this.received = 0;
    this.ws = new WebSocket(url, { headers });
    this.ws.addEventListener("message", (event) => {
      const at = performance.now();
      this.received++;
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
      const timer = setTimeout(
        () =>
          finish(reject, new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; last errors: ${JSON.stringify(this.errors.slice(-3))}`)),
        timeoutMs,
      );
      const waiter = (frame, at) => {
        if (frame === null) finish(reject, new Error(`${this.name}: socket closed ${JSON.stringify(this.closed)} while waiting for ${what}`));
        else if (clientId && frame.type === "error" && frame.clientId === clientId)
          finish(reject, new Error(`${this.name}: ${what} refused: ${JSON.stringify(frame)}`));
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
