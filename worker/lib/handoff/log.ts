// The admins' log of the AI agent's handoffs to outside help desks: one row per ticket, written
// by the ticket's object on every attempt, so a failure is visible, never silently lost.
import { desc } from "drizzle-orm";
import type { HandoffJob } from "../../../durable-objects/conversation/rpc";
import type { Db } from "../../db/client";
import { handoffs } from "../../db/schema";
import { nowIso } from "../ids";

export async function recordHandoff(database: Db, ticketId: string, job: HandoffJob): Promise<void> {
  const row = {
    ticketId,
    target: job.target,
    status: job.status,
    attempts: job.attempts,
    lastError: job.lastError,
    externalId: job.externalId,
    summary: job.summary,
    createdAt: job.createdAt,
    updatedAt: nowIso(),
  };
  const { ticketId: _, createdAt: __, ...changes } = row;
  await database.insert(handoffs).values(row).onConflictDoUpdate({ target: handoffs.ticketId, set: changes });
}

export async function listHandoffs(database: Db, limit: number) {
  return database.select().from(handoffs).orderBy(desc(handoffs.updatedAt)).limit(limit);
}
