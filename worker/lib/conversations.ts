// Opening tickets and reaching their conversation objects from the Worker.
import { MAX_NEW_TICKETS_PER_HOUR, type ChannelT, type Locale, type TicketT } from "../../contract";
import { PARTICIPANT_HEADER, type Participant, type RatingRefusal, type Refusal, type SocketIdentity } from "../../durable-objects/conversation/rpc";
import type { Db } from "../db/client";
import { tickets } from "../db/schema";
import { ApiError } from "./errors";
import { newId, nowIso } from "./ids";
import { conversationStub } from "./stubs";
import { findOpenTicket, recentOpenings, writeTicketRecord, type TicketRecord } from "./tickets";

/**
 * The profile's open ticket on a channel, as its conversation object sees it. D1 may lag
 * behind the object (a close not yet written); then the object's truth is written first.
 * A `locale` (null: the default texts) becomes the open conversation's; undefined keeps its own.
 */
export async function currentOpenTicket(env: Env, database: Db, profileId: string, channel: ChannelT, locale?: Locale | null): Promise<TicketT | null> {
  const indexed = await findOpenTicket(database, profileId, channel);
  if (!indexed) return null;
  const stub = conversationStub(env, indexed.id);
  // An object that was never initialised (its opener failed or is still on its way) starts
  // from the D1 row, version included, so its next change outranks what D1 holds.
  const truth = (await stub.record()) ?? indexed;
  if (truth.status !== "closed") return (await stub.init(truth, locale)) as TicketT;
  await writeTicketRecord(database, truth);
  return null;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Refuses a customer who has opened MAX_NEW_TICKETS_PER_HOUR tickets in the past hour, telling
 * them when the oldest of those leaves the window. Racing openings are few: a profile holds one
 * open ticket per channel, so each new one waits for the last to close.
 */
async function assertTicketBudget(database: Db, profileId: string): Promise<void> {
  const now = Date.now();
  const openings = await recentOpenings(database, profileId, HOUR_MS, MAX_NEW_TICKETS_PER_HOUR, now);
  if (openings.length < MAX_NEW_TICKETS_PER_HOUR) return;
  const retryAfter = Math.max(1, Math.ceil((Date.parse(openings.at(-1)!) + HOUR_MS - now) / 1000));
  throw new ApiError(429, "rate_limited", `You have started ${MAX_NEW_TICKETS_PER_HOUR} conversations in the past hour; try again later.`, {
    "Retry-After": String(retryAfter),
  });
}

/**
 * Returns the open ticket, or opens one; `created` tells which. A customer who starts chats
 * (`limited`) opens at most MAX_NEW_TICKETS_PER_HOUR an hour; a text from a phone always lands.
 * A `locale` is the conversation's language from now on, the open one's too.
 */
export async function openTicket(
  env: Env,
  database: Db,
  profile: { id: string; name: string | null },
  channel: ChannelT,
  { limited, locale }: { limited: boolean; locale?: Locale | null },
): Promise<{ ticket: TicketT; created: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const open = await currentOpenTicket(env, database, profile.id, channel, locale);
    if (open) return { ticket: open, created: false };
    if (limited) await assertTicketBudget(database, profile.id);
    const record: TicketRecord = {
      id: newId("tkt"),
      channel,
      status: "open",
      snoozeUntil: null,
      assigneeId: null,
      profileId: profile.id,
      customerName: profile.name,
      preview: null,
      unread: false,
      lastMessageAt: null,
      createdAt: nowIso(),
      closedAt: null,
      visible: false,
      handledByAi: false,
      labels: [],
      rating: null,
      version: 1,
    };
    // The partial unique index admits one open ticket per profile and channel: a concurrent
    // open loses here and takes the winner's ticket on the next pass.
    const inserted = await database
      .insert(tickets)
      .values(record)
      .onConflictDoNothing()
      .returning({ id: tickets.id })
      .catch((error: unknown) => {
        // The database's own refusal (migration 0012): the customer was erased meanwhile.
        if (/profile erased/.test(`${String(error)} ${String((error as Error).cause)}`))
          throw new ApiError(401, "unauthorized", "This customer's data was deleted; start a new session.");
        throw error;
      });
    if (inserted.length === 0) continue;
    return { ticket: (await conversationStub(env, record.id).init(record, locale)) as TicketT, created: true };
  }
  throw new ApiError(500, "internal_error", "Could not open a ticket; try again.");
}

/** JSON in ASCII only, as a header value must be: a name such as "Åke" travels as `\u00c5ke`, which JSON.parse reads back. */
const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** Hands a WebSocket upgrade to an object, with the identity the Worker has proven. */
export function forwardUpgrade(
  stub: { fetch(request: Request): Promise<Response> },
  request: Request,
  participant: Participant & { expiresAt: number; session?: string; admin?: boolean },
) {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError(426, "invalid_request", "This path takes a WebSocket upgrade.");
  const identity: SocketIdentity = {
    ...participant,
    session: participant.session ?? null,
    origin: new URL(request.url).origin,
    ip: request.headers.get("CF-Connecting-IP") ?? "unknown",
  };
  return stub.fetch(new Request(request.url, { headers: { Upgrade: "websocket", [PARTICIPANT_HEADER]: asciiJson(identity) } }));
}

const REFUSAL_STATUS = {
  not_found: 404,
  conversation_closed: 409,
  invalid_request: 400,
  invalid_frame: 400,
  too_large: 413,
  rate_limited: 429,
  unauthorized: 401,
  sms_opted_out: 409,
  sms_unavailable: 409,
  chat_disabled: 403,
  forbidden: 403,
  not_closed: 409,
  already_exists: 409,
} as const;

/** A conversation object's refusal as the REST error it stands for. */
export function refusal(result: Refusal | RatingRefusal): ApiError {
  const code = result.code === "invalid_frame" ? "invalid_request" : result.code;
  return new ApiError(REFUSAL_STATUS[result.code], code, result.message);
}
