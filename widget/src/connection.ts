// A WebSocket that keeps itself alive: reconnects with backoff, resumes where it left off (the
// caller builds the URL with `after` or `since`), and comes back at once when the tab returns to
// the foreground or the network returns, as mobile Safari and background Chrome tabs need.
// Shared by the widget (a ticket's socket) and the inbox (ticket and inbox sockets).
import type { ServerFrame } from "../../contract";

const HEARTBEAT_MS = 25_000;
const SILENCE_LIMIT_MS = 60_000;
const MAX_BACKOFF_MS = 10_000;

export type ConnectionEvents<Frame> = {
  onOpen(): void;
  onFrame(frame: Frame): void;
  onDown(): void;
};

export class Connection<Frame = ServerFrame> {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private stopped = false;

  constructor(
    private readonly url: () => string,
    private readonly events: ConnectionEvents<Frame>,
  ) {
    addEventListener("online", this.nudge);
    addEventListener("offline", this.drop);
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  send(frame: object): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(JSON.stringify(frame));
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.drop();
    removeEventListener("online", this.nudge);
    removeEventListener("offline", this.drop);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  private open(): void {
    if (this.ws || this.stopped) return;
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.lastFrameAt = Date.now();
      this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
      this.events.onOpen();
    };
    ws.onmessage = (event) => {
      this.lastFrameAt = Date.now();
      this.events.onFrame(JSON.parse(String(event.data)) as Frame);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.heartbeat);
      this.events.onDown();
      this.retry();
    };
  }

  private beat(): void {
    if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) this.drop();
    else this.send({ type: "ping" });
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Closes the socket now (offline, silent or stopping); it reconnects unless stopped. */
  private readonly drop = () => {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    clearInterval(this.heartbeat);
    ws.onclose = null;
    ws.close();
    this.events.onDown();
    this.retry();
  };

  /** Back online or in the foreground: try at once instead of waiting out the backoff. */
  private readonly nudge = () => {
    if (this.ws || this.stopped) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.open();
  };

  private readonly onVisibility = () => {
    if (document.visibilityState === "visible") this.nudge();
  };
}
