// A WebSocket that keeps itself alive: reconnects with backoff, resumes where it left off (the
// caller builds the URL with `after` or `since`), and comes back at once when the tab returns to
// the foreground or the network returns, as mobile Safari and background Chrome tabs need.
// Used for a ticket's socket (the widget's and the inbox's) and for the inbox socket.
import type { ServerFrame } from "../contract";

const HEARTBEAT_MS = 25_000;
const SILENCE_LIMIT_MS = 60_000;
const MAX_BACKOFF_MS = 10_000;

export type ConnectionEvents<Frame> = {
  onOpen(): void;
  onFrame(frame: Frame): void;
  /** The socket went down, and is being retried (not when stopped on purpose). */
  onDown(): void;
};

/** Opens the socket. A browser sends the session cookie itself; elsewhere (Node) the caller adds it. */
export type SocketFactory = (url: string) => WebSocket;

export type Connection = {
  /** Sends a frame if the socket is open; false if it is not. */
  send(frame: object): boolean;
  stop(): void;
};

/** Only a browser tells when the network or the tab comes back. */
const inBrowser = typeof document !== "undefined";

/** Connects now, and again after every drop until stopped; `url` is asked at each attempt. */
export function connect<Frame = ServerFrame>(
  url: () => string,
  events: ConnectionEvents<Frame>,
  createSocket: SocketFactory = (url) => new WebSocket(url),
): Connection {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let lastFrameAt = 0;
  let stopped = false;

  function open(): void {
    if (ws || stopped) return;
    const socket = createSocket(url());
    ws = socket;
    socket.onopen = () => {
      attempt = 0;
      lastFrameAt = Date.now();
      heartbeat = setInterval(beat, HEARTBEAT_MS);
      events.onOpen();
    };
    socket.onmessage = (event) => {
      lastFrameAt = Date.now();
      events.onFrame(JSON.parse(String(event.data)) as Frame);
    };
    socket.onclose = () => {
      if (ws === socket) down();
    };
  }

  function send(frame: object): boolean {
    if (ws?.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function beat(): void {
    if (Date.now() - lastFrameAt > SILENCE_LIMIT_MS) drop();
    else send({ type: "ping" });
  }

  /** The socket is gone: it reconnects with backoff, unless stopped. */
  function down(): void {
    ws = null;
    clearInterval(heartbeat);
    if (stopped) return;
    events.onDown();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2));
  }

  /** Closes the socket now (offline, silent or stopping). */
  function drop(): void {
    if (!ws) return;
    ws.onclose = null;
    ws.close();
    down();
  }

  /** Back online or in the foreground: try at once instead of waiting out the backoff. */
  function nudge(): void {
    if (ws || stopped) return;
    clearTimeout(retryTimer);
    attempt = 0;
    open();
  }

  function onVisibility(): void {
    if (document.visibilityState === "visible") nudge();
  }

  if (inBrowser) {
    addEventListener("online", nudge);
    addEventListener("offline", drop);
    document.addEventListener("visibilitychange", onVisibility);
  }
  open();

  return {
    send,
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      drop();
      if (!inBrowser) return;
      removeEventListener("online", nudge);
      removeEventListener("offline", drop);
      document.removeEventListener("visibilitychange", onVisibility);
    },
  };
}
