// WebSocket frames of the public contract. Client frames are validated with these schemas
// inside the ticket's Durable Object; server frames are typed for the widget and the inbox.
import { z } from "@hono/zod-openapi";
import { AttachmentRef, ClientId, MessageBody } from "./models";
import type { CountsT, DeliveryT, MessageT, RatingT, SideT, TicketStatusT, TicketT } from "./models";
import type { NoteT } from "./notes";

/**
 * The contract's codes, then Parley's: replies in SMS tickets that cannot go out, and a customer's
 * message in a web chat while the store has web chat switched off (`chat_disabled`, as in REST).
 */
export const FrameErrorCode = z.enum([
  "invalid_frame",
  "too_large",
  "conversation_closed",
  "rate_limited",
  "unauthorized",
  "sms_opted_out",
  "sms_unavailable",
  "chat_disabled",
]);
export type FrameErrorCodeT = z.infer<typeof FrameErrorCode>;

export const SendFrame = z.object({
  type: z.literal("send"),
  clientId: ClientId,
  body: MessageBody,
  attachments: z.array(AttachmentRef).max(10).optional(),
});

export const ClientFrame = z.discriminatedUnion("type", [
  SendFrame,
  z.object({ type: z.literal("read"), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal("typing") }),
  z.object({ type: z.literal("end") }),
  /**
   * Parley extension: the customer asks for a person instead of the AI agent; `not_helpful`
   * when they say its answer didn't help.
   */
  z.object({ type: z.literal("handoff"), reason: z.literal("not_helpful").optional() }),
  /** Parley extension: the customer picks FAQ `id` from the suggestions of message `seq`. */
  z.object({ type: z.literal("pick"), seq: z.number().int().positive(), id: z.string().min(1).max(100) }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrameT = z.infer<typeof ClientFrame>;
export type SendFrameT = z.infer<typeof SendFrame>;

/**
 * Who answers the customer (Parley extension): `answering` while the AI agent does, `handed_off`
 * once it has passed the conversation on, `off` when people answer from the start (AI off, or a
 * person asked for), `null` before the customer's first message decides.
 */
export type AiModeT = "answering" | "handed_off" | "off" | null;

export type HelloFrame = {
  type: "hello";
  ticketId: string;
  status: TicketStatusT;
  lastSeq: number;
  reads: { customer: number; agent: number };
  aiMode: AiModeT;
  /** Parley extension: the customer's rating of the closed ticket, once given. */
  rating: RatingT | null;
};
/** Parley extension: the AI mode changed (see AiModeT). */
export type AiFrame = { type: "ai"; mode: AiModeT };
export type MessageFrame = { type: "message" } & MessageT;
/** Parley extension: how the SMS of message `seq` went out changed (Twilio's status callbacks). */
export type DeliveryFrame = { type: "delivery"; seq: number; delivery: DeliveryT };
export type AckFrame = { type: "ack"; clientId: string; seq: number };
export type ReadFrame = { type: "read"; by: SideT; seq: number };
export type TypingFrame = { type: "typing"; by: SideT; name: string | null };
export type StatusFrame = { type: "status"; status: TicketStatusT; assigneeId: string | null };
export type ErrorFrame = { type: "error"; code: FrameErrorCodeT; message: string; clientId?: string };
export type PongFrame = { type: "pong" };
/** Parley extension: the customer rated the closed ticket. */
export type RatingFrame = { type: "rating"; rating: RatingT };
export type ServerFrame =
  HelloFrame | MessageFrame | DeliveryFrame | AckFrame | ReadFrame | TypingFrame | StatusFrame | AiFrame | RatingFrame | ErrorFrame | PongFrame;
/** A private note, on agents' ticket sockets only: never part of ServerFrame, which customers get too. */
export type NoteFrame = { type: "note"; note: NoteT };
/** What an agent's ticket socket carries: the conversation's frames and the team's notes. */
export type AgentTicketFrame = ServerFrame | NoteFrame;

/** Inbox frames. `rev` (a Parley extension) lets a reconnecting agent resume with `?since=`. */
export type InboxTicketFrame = { type: "ticket"; ticket: TicketT; rev: number };
export type InboxCountsFrame = { type: "counts"; rev: number } & CountsT;
/** Sent instead of a replay when `since` is older than the retained change log: reload the list. */
export type InboxResyncFrame = { type: "resync"; rev: number };
/** To the mentioned agent's inbox sockets only: a note in ticket `ticketId` mentions them. */
export type MentionFrame = { type: "mention"; ticketId: string; noteId: string };
export type InboxFrame = InboxTicketFrame | InboxCountsFrame | InboxResyncFrame | MentionFrame | ErrorFrame;
