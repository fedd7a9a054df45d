// What the Worker and a ticket's object say to each other: the RPC methods' arguments and
// answers, and the identity the Worker proves before forwarding a socket. The one module of the
// objects that worker code imports.
import type { DeliveryStatusT, FrameErrorCodeT, MessageT, RatingT, SideT, SmsKeyword, TicketPatchT, TicketT } from "../../contract";

/** The identity the Worker proved before forwarding an upgrade travels in this header, which only the Worker sets. */
export const PARTICIPANT_HEADER = "x-parley-participant";

export type Participant = { side: SideT; id: string; name: string | null };

/** The tag of the agents' sockets (sockets are tagged by side): what only the team may hear goes to these. */
export const AGENT_SOCKETS = "agent" satisfies SideT;

/** What a socket carries through hibernation (its serialized attachment). */
export type SocketIdentity = Participant & {
  expiresAt: number;
  /** The Parley origin the client reached, for absolute attachment URLs. */
  origin: string;
  ip: string;
  /** The agent session's token hash, so that logging out can close the session's sockets. */
  session: string | null;
  /** An admin's socket: it also hears of the conversations the AI agent handles. */
  admin?: boolean;
};

export type SendInput = { clientId: string; body: string; attachments?: Array<{ key: string }> };
export type Refusal = { ok: false; code: FrameErrorCodeT | "not_found" | "invalid_request"; message: string };
/** A rating refused (spec v2 "Customer satisfaction"). */
export type RatingRefusal = { ok: false; code: "not_found" | "invalid_request" | "forbidden" | "not_closed" | "already_exists"; message: string };
export type PostResult = { ok: true; message: MessageT; duplicate: boolean } | Refusal;
export type UpdateResult = { ok: true; ticket: TicketT } | Refusal;
export type RateResult = { ok: true; rating: RatingT } | RatingRefusal;
export type TicketPatch = Pick<TicketPatchT, "status" | "snoozeUntil" | "assigneeId" | "labels"> & {
  /** A deleted label leaves the ticket (DELETE /api/labels/:id): its name as stored. */
  dropLabel?: string;
};
export type InboundSms = { sid: string; body: string; attachments: Array<{ key: string }>; phone: string; keyword: SmsKeyword | null };
export type SmsStatusReport = { seq: number; sid: string; status: DeliveryStatusT; error: string | null };

/** A handoff to an outside help desk: owed until delivered, retried with backoff meanwhile. */
export type HandoffJob = {
  target: "zendesk" | "gorgias";
  status: "pending" | "delivered" | "failed";
  attempts: number;
  /** When the next attempt is due (ms since the epoch), while pending. */
  nextAt: number | null;
  lastError: string | null;
  externalId: string | null;
  summary: string;
  /** The transcript is the thread up to here, the same on every attempt (Zendesk's idempotency key needs the same body). */
  upToSeq: number;
  createdAt: string;
};

export const refuse = <C extends Refusal["code"] | RatingRefusal["code"]>(code: C, message: string) => ({ ok: false as const, code, message });
