// The D1 side of tickets: the inbox index that each ticket's Durable Object keeps up to date.
import { and, desc, eq, gt, inArray, isNotNull, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { RATING_WINDOW_DAYS, type ChannelT, type CountsT, type TicketStatusT, type TicketT } from "../../contract";
import type { Db } from "../db/client";
import { mentions, ticketLabels, ticketReplies, tickets } from "../db/schema";
import { ticketTraces } from "./erasure";
import { syncTicketLabels } from "./labels";

/**
 * What reports read of a ticket (spec v2 "Reports"), as its object derives them from its log:
 * when the customer first wrote (epoch seconds), the first agent reply after that and whose,
 * the close, and each agent's replies.
 */
export type ReportFacts = {
  startedAt: number | null;
  firstResponseSeconds: number | null;
  firstResponderId: string | null;
  resolutionSeconds: number | null;
  agentReplies: Record<string, number>;
};

/**
 * What the ticket's object owes D1: the public ticket plus inbox visibility and a version, and
 * its report facts (absent from records that did not come from the object: D1's are kept).
 * `erasedAt`: the customer was erased, and the row is only a report count from now on.
 */
export type TicketRecord = TicketT & { visible: boolean; version: number; facts?: ReportFacts; erasedAt?: string };

type Row = typeof tickets.$inferSelect;

/** A row as the inbox reads it: reports' facts and the erasure aside. */
type TicketRow = Omit<Row, "startedAt" | "firstResponseSeconds" | "firstResponderId" | "resolutionSeconds" | "agentReplies" | "erasedAt">;

export function ticketFromRow(row: TicketRow): TicketT {
  return {
    id: row.id,
    channel: row.channel,
    status: row.status,
    snoozeUntil: row.snoozeUntil,
    assigneeId: row.assigneeId,
    profileId: row.profileId,
    customerName: row.customerName,
    preview: row.preview,
    unread: row.unread,
    lastMessageAt: row.lastMessageAt,
    createdAt: row.createdAt,
    closedAt: row.closedAt,
    handledByAi: row.handledByAi,
    labels: row.labels as string[],
    rating: row.ratingScore === null ? null : { score: row.ratingScore, comment: row.ratingComment, createdAt: row.ratedAt! },
  };
}

/** The upsert of one record, which leaves alone a row that holds the same or a newer version. */
function upsertRecord(database: Db, record: TicketRecord) {
  const { id: _id, rating, facts, ...ticket } = record;
  const fields = {
    ...ticket,
    ratingScore: rating?.score ?? null,
    ratingComment: rating?.comment ?? null,
    ratedAt: rating?.createdAt ?? null,
    ...facts,
  };
  return database
    .insert(tickets)
    .values({ id: record.id, ...fields })
    .onConflictDoUpdate({ target: tickets.id, set: fields, setWhere: sql`excluded.version > ${tickets.version}` });
}

/** Writes the record unless D1 already holds the same or a newer version of it. */
export async function writeTicketRecord(database: Db, record: TicketRecord): Promise<void> {
  await writeTicketRecords(database, [record]);
}

/**
 * Writes the records in one D1 batch (one transaction: all of them or none), each as
 * writeTicketRecord does, with their ticket_labels rows, ticket_replies rows for those an agent
 * replied in (replies only ever grow: a ticket without any has no rows to bring in line), and
 * for erased ones the deletion of everything else D1 holds of them. `before`: statements that
 * belong to the same transaction and go first (the records' messages for the search index).
 */
export async function writeTicketRecords(database: Db, records: [TicketRecord, ...TicketRecord[]], before: BatchItem<"sqlite">[] = []): Promise<void> {
  const ids = records.map((record) => record.id);
  const replied = records.filter((record) => Object.keys(record.facts?.agentReplies ?? {}).length > 0).map((record) => record.id);
  const erased = records.filter((record) => record.erasedAt !== undefined).map((record) => record.id);
  const [head, ...tail]: BatchItem<"sqlite">[] = [
    ...before,
    ...records.map((record) => upsertRecord(database, record)),
    ...syncTicketLabels(database, ids),
    ...(replied.length > 0 ? syncTicketReplies(database, replied) : []),
    // After the upserts: a ticket D1 first hears of now gets its search documents by trigger.
    ...(erased.length > 0 ? ticketTraces(database, erased) : []),
  ];
  // Never empty: every record has its upsert.
  await database.batch([head!, ...tail]);
}

/**
 * Brings the tickets' ticket_replies rows in line with their `agent_replies` as D1 now holds them
 * (after the upserts, in the same batch), so that a record older than D1's changes nothing here
 * either. A ticket without a customer message has no start, and no rows.
 */
function syncTicketReplies(database: Db, ticketIds: string[]): [BatchItem<"sqlite">, BatchItem<"sqlite">] {
  const replied = sql`FROM ${tickets} t, json_each(t.agent_replies) j WHERE t.id IN ${ticketIds} AND t.started_at IS NOT NULL`;
  return [
    database
      .delete(ticketReplies)
      .where(
        and(inArray(ticketReplies.ticketId, ticketIds), sql`(${ticketReplies.ticketId}, ${ticketReplies.agentId}) NOT IN (SELECT t.id, j.key ${replied})`),
      ),
    database
      .insert(ticketReplies)
      .select(sql`SELECT t.id, j.key, j.value, t.started_at ${replied}`)
      .onConflictDoUpdate({
        target: [ticketReplies.ticketId, ticketReplies.agentId],
        set: { replies: sql`excluded.replies`, startedAt: sql`excluded.started_at` },
        setWhere: sql`${ticketReplies.replies} IS NOT excluded.replies OR ${ticketReplies.startedAt} IS NOT excluded.started_at`,
      }),
  ];
}

/** The open ticket D1 knows of, with its index fields, so it can seed its object exactly. */
export async function findOpenTicket(database: Db, profileId: string, channel: ChannelT): Promise<TicketRecord | null> {
  const row = await database
    .select()
    .from(tickets)
    .where(and(eq(tickets.profileId, profileId), eq(tickets.channel, channel), ne(tickets.status, "closed")))
    .get();
  return row ? { ...ticketFromRow(row), visible: row.visible, version: row.version } : null;
}

/**
 * When the profile's `limit` newest tickets opened within `windowMs` of `now` began, newest
 * first (the profile's index, newest first, stops after `limit` rows).
 */
export async function recentOpenings(database: Db, profileId: string, windowMs: number, limit: number, now = Date.now()): Promise<string[]> {
  const rows = await database
    .select({ createdAt: tickets.createdAt })
    .from(tickets)
    .where(and(eq(tickets.profileId, profileId), gt(tickets.createdAt, new Date(now - windowMs).toISOString())))
    .orderBy(desc(tickets.createdAt))
    .limit(limit);
  return rows.map((row) => row.createdAt);
}

/** The profile's newest ticket on `channel` (the profile's index, newest first, reads one row). */
export async function newestTicketOf(database: Db, profileId: string, channel: ChannelT): Promise<TicketT | null> {
  const row = await database
    .select()
    .from(tickets)
    .where(and(eq(tickets.profileId, profileId), eq(tickets.channel, channel), isNull(tickets.erasedAt)))
    .orderBy(desc(tickets.createdAt))
    .limit(1)
    .get();
  return row ? ticketFromRow(row) : null;
}

/** The profile's newest web chat, when it closed within the rating window and has no rating yet. */
export async function unratedTicket(database: Db, profileId: string, now: number): Promise<TicketT | null> {
  const ticket = await newestTicketOf(database, profileId, "webchat");
  const closedWithin = ticket?.closedAt && now - Date.parse(ticket.closedAt) <= RATING_WINDOW_DAYS * 86_400_000;
  return ticket?.status === "closed" && closedWithin && ticket.rating === null ? ticket : null;
}

/**
 * Tickets with messages but no report facts, by id after `after`: those from before reports
 * (docs/reports.md), and those whose customer never wrote (asked again, harmlessly).
 */
export async function ticketsWithoutFacts(database: Db, after: string, limit: number): Promise<string[]> {
  const rows = await database
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(isNull(tickets.startedAt), isNotNull(tickets.lastMessageAt), gt(tickets.id, after)))
    .orderBy(tickets.id)
    .limit(limit);
  return rows.map((row) => row.id);
}

/** The profile's newest tickets the team can see, of every channel (the profile panel's history). */
export async function recentTicketsOf(database: Db, profileId: string, limit: number): Promise<TicketT[]> {
  const rows = await database
    .select()
    .from(tickets)
    .where(and(eq(tickets.profileId, profileId), eq(tickets.visible, true)))
    .orderBy(desc(tickets.createdAt))
    .limit(limit);
  return rows.map(ticketFromRow);
}

export type TicketFilter = {
  /** The conversations the AI agent handles without the team, instead of the inbox's. */
  handledByAi?: boolean;
  status?: TicketStatusT;
  channel?: ChannelT;
  /** An agent id, or null for unassigned tickets. */
  assigneeId?: string | null;
  /** Only tickets with a note that mentions this agent. */
  mentionedAgentId?: string;
  /** Only tickets with this label (its name as stored). */
  label?: string;
  limit: number;
  cursor?: { lastMessageAt: string; id: string };
};

export function encodeCursor(ticket: Pick<TicketT, "lastMessageAt" | "id">): string {
  return btoa(JSON.stringify([ticket.lastMessageAt, ticket.id])).replaceAll("=", "");
}

export function decodeCursor(cursor: string): TicketFilter["cursor"] | null {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [lastMessageAt, id] = value as unknown[];
    return typeof lastMessageAt === "string" && typeof id === "string" ? { lastMessageAt, id } : null;
  } catch {
    return null;
  }
}

/** The conditions of the inbox list, shaped so that SQLite walks one of the activity indexes. */
export function listConditions(filter: Omit<TicketFilter, "limit">): SQL {
  const conditions: SQL[] = [filter.handledByAi ? eq(tickets.handledByAi, true) : eq(tickets.visible, true)];
  if (filter.status) conditions.push(eq(tickets.status, filter.status));
  if (filter.channel) conditions.push(eq(tickets.channel, filter.channel));
  if (filter.assigneeId !== undefined) {
    conditions.push(filter.assigneeId === null ? sql`${tickets.assigneeId} IS NULL` : eq(tickets.assigneeId, filter.assigneeId));
  }
  if (filter.mentionedAgentId !== undefined) {
    conditions.push(sql`${tickets.id} IN (SELECT ${mentions.ticketId} FROM ${mentions} WHERE ${mentions.agentId} = ${filter.mentionedAgentId})`);
  }
  if (filter.cursor) {
    conditions.push(sql`(${tickets.lastMessageAt}, ${tickets.id}) < (${filter.cursor.lastMessageAt}, ${filter.cursor.id})`);
  }
  return and(...conditions)!;
}

const STATUSES: TicketStatusT[] = ["open", "snoozed", "closed"];

/**
 * The ids (and activity) of a labelled list's page and one more. ticket_labels' index holds a
 * label's tickets of each status in activity order: each status asked for is one range of it,
 * and the ranges are merged (SQLite merges a UNION ALL with ORDER BY rather than sorting it).
 * The filters on the ticket itself are checked on its row, read by id.
 */
export function labelledQuery(filter: Omit<TicketFilter, "limit"> & { label: string }, limit: number): SQL {
  const ranges = (filter.status ? [filter.status] : STATUSES).map((status) => {
    const conditions = [
      eq(ticketLabels.label, filter.label),
      eq(ticketLabels.visible, !filter.handledByAi),
      eq(ticketLabels.status, status),
      listConditions({ ...filter, status, cursor: undefined }),
    ];
    if (filter.cursor) {
      conditions.push(sql`(${ticketLabels.lastMessageAt}, ${ticketLabels.ticketId}) < (${filter.cursor.lastMessageAt}, ${filter.cursor.id})`);
    }
    return sql`SELECT ${ticketLabels.ticketId} AS id, ${ticketLabels.lastMessageAt} AS at
      FROM ${ticketLabels} JOIN ${tickets} ON ${tickets.id} = ${ticketLabels.ticketId} WHERE ${and(...conditions)}`;
  });
  return sql`${sql.join(ranges, sql` UNION ALL `)} ORDER BY at DESC, id DESC LIMIT ${limit}`;
}

async function listLabelled(database: Db, filter: TicketFilter & { label: string }) {
  const found = await database.all<{ id: string; at: string }>(labelledQuery(filter, filter.limit + 1));
  const page = found.slice(0, filter.limit);
  const ids = page.map((row) => row.id);
  const rows = ids.length === 0 ? [] : await database.select().from(tickets).where(inArray(tickets.id, ids));
  const byId = new Map(rows.map((row) => [row.id, ticketFromRow(row)]));
  const last = page.at(-1);
  return {
    tickets: page.flatMap((row) => byId.get(row.id) ?? []),
    nextCursor: found.length > filter.limit && last ? encodeCursor({ lastMessageAt: last.at, id: last.id }) : null,
  };
}

export async function listTickets(database: Db, filter: TicketFilter) {
  if (filter.label !== undefined) return listLabelled(database, { ...filter, label: filter.label });
  const rows = await database
    .select()
    .from(tickets)
    .where(listConditions(filter))
    .orderBy(desc(tickets.lastMessageAt), desc(tickets.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit).map(ticketFromRow);
  const last = page.at(-1);
  return { tickets: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null };
}

export const COUNTS_SQL = sql`SELECT status, unread, count(*) AS n FROM ${tickets}
  WHERE ${tickets.visible} = 1 AND ${tickets.status} IN ('open', 'snoozed') GROUP BY status, unread`;

export async function countTickets(database: Db): Promise<CountsT> {
  const rows = await database.all<{ status: TicketStatusT; unread: number; n: number }>(COUNTS_SQL);
  const counts: CountsT = { unread: 0, open: 0, snoozed: 0 };
  for (const row of rows) {
    if (row.status === "open") counts.open += row.n;
    if (row.status === "snoozed") counts.snoozed += row.n;
    if (row.unread) counts.unread += row.n;
  }
  return counts;
}
