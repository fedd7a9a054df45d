// The conversation's socket protocol (the contract's "Realtime"): a participant's frames, each
// validated against the contract, sends metered by token buckets, and each frame to its handler.
import { ClientFrame, MAX_FRAME_BYTES, type ClientFrameT, type FrameErrorCodeT } from "../../contract";
import { endSocket } from "../sockets";
import type { AiResponder } from "./ai";
import type { ConversationCore } from "./core";
import type { Messaging } from "./messaging";
import type { SocketIdentity } from "./rpc";
import type { TicketUpdates } from "./ticket-updates";

const REFILL_MS = 10_000;

/**
 * Send budgets per sender and per IP, however many sockets they open. They live in memory: the
 * object only hibernates after its sockets have been quiet, when a bucket is full anyway.
 */
class SendBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly capacity: number) {}

  /** Takes one token from every bucket named, or none when any of them is empty. */
  take(keys: string[]): boolean {
    const now = Date.now();
    const buckets = keys.map((key) => {
      const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
      bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / REFILL_MS) * this.capacity);
      bucket.at = now;
      this.buckets.set(key, bucket);
      return bucket;
    });
    if (buckets.some((bucket) => bucket.tokens < 1)) return false;
    for (const bucket of buckets) bucket.tokens -= 1;
    return true;
  }
}

export class SocketProtocol {
  private readonly buckets: SendBuckets;

  constructor(
    private readonly core: ConversationCore,
    private readonly messaging: Messaging,
    private readonly updates: TicketUpdates,
    private readonly ai: AiResponder,
  ) {
    this.buckets = new SendBuckets(Number(core.env.SEND_RATE_PER_10S ?? 60));
  }

  async receive(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const who = ws.deserializeAttachment() as SocketIdentity;
    if (Date.now() > who.expiresAt) return endSocket(ws, "Your session has expired; sign in again.");
    const frame = this.parse(ws, raw);
    if (frame) await this.handle(ws, who, frame);
  }

  /** The frame, or null after telling the sender what is wrong with it. */
  private parse(ws: WebSocket, raw: string | ArrayBuffer): ClientFrameT | null {
    const refuse = (code: FrameErrorCodeT, message: string, clientId?: unknown) => {
      this.core.send(ws, { type: "error", code, message, ...(typeof clientId === "string" ? { clientId } : {}) });
      return null;
    };
    if (typeof raw !== "string") return refuse("invalid_frame", "Frames are JSON text.");
    if (raw.length > MAX_FRAME_BYTES / 3 && new TextEncoder().encode(raw).byteLength > MAX_FRAME_BYTES)
      return refuse("too_large", `A frame is at most ${MAX_FRAME_BYTES} bytes.`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return refuse("invalid_frame", "The frame is not valid JSON.");
    }
    const parsed = ClientFrame.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const code = issue.code === "too_big" && issue.path[0] === "body" ? "too_large" : "invalid_frame";
    return refuse(code, `${issue.path.join(".") || "type"}: ${issue.message}`, (json as { clientId?: unknown } | null)?.clientId);
  }

  private async handle(ws: WebSocket, who: SocketIdentity, frame: ClientFrameT): Promise<void> {
    const refuse = (message: string) => this.core.send(ws, { type: "error", code: "invalid_frame", message });
    switch (frame.type) {
      case "ping":
        return this.core.send(ws, { type: "pong" });
      case "typing":
        return this.core.broadcast({ type: "typing", by: who.side, name: who.name }, ws);
      case "read":
        if (!(await this.updates.markRead(who.side, frame.seq, ws))) refuse(`seq: the newest message is ${this.core.log.lastSeq}.`);
        return;
      case "end":
        if (who.side !== "customer") return refuse("type: agents close tickets with PATCH /api/tickets/:id.");
        await this.updates.update({ status: "closed" });
        return;
      case "handoff":
        if (who.side !== "customer") return refuse("type: only the customer asks for a person; agents reply to take over.");
        return this.ai.requestPerson(frame.reason ?? "asked_for_human");
      case "pick": {
        if (who.side !== "customer") return refuse("type: only the customer picks from the AI's suggestions.");
        const refusal = await this.ai.pick(frame.seq, frame.id);
        if (refusal) refuse(refusal);
        return;
      }
      case "send": {
        if (!this.buckets.take([`${who.side}:${who.id}`, `ip:${who.ip}`])) {
          return this.core.send(ws, { type: "error", code: "rate_limited", message: "You are sending too fast; wait a moment.", clientId: frame.clientId });
        }
        const result = await this.messaging.post(who, frame, who.origin, ws);
        if (!result.ok) {
          const code = result.code === "not_found" || result.code === "invalid_request" ? "invalid_frame" : result.code;
          this.core.send(ws, { type: "error", code, message: result.message, clientId: frame.clientId });
        }
        return;
      }
    }
  }
}
