// The endpoints admins register for outgoing webhooks, their signing secrets and the delivery
// log. A secret is stored sealed under CREDENTIALS_KEY, bound to its endpoint's id, and leaves
// the server only in the one response that creates or rotates it.
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { WebhookDeliveryT, WebhookEventTypeT, WebhookInputT, WebhookT } from "../../../contract";
import { db, type Db } from "../../db/client";
import { cachedPerDatabase } from "../cache";
import { webhookDeliveries, webhooks } from "../../db/schema";
import { seal, unseal } from "../credentials";
import { ApiError, notFound } from "../errors";
import { newId, nowIso } from "../ids";

/** More would mean more fan-out work per ticket event than the ticket's object should carry. */
export const MAX_WEBHOOKS = 20;

type WebhookRow = typeof webhooks.$inferSelect;

const secretContext = (id: string) => `webhook\n${id}`;

function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `whsec_${base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

const toWebhook = (row: WebhookRow): WebhookT => ({
  id: row.id,
  url: row.url,
  events: row.events as WebhookEventTypeT[],
  enabled: row.enabled,
  createdAt: row.createdAt,
});

export async function listWebhooks(database: Db): Promise<WebhookT[]> {
  const rows = await database.select().from(webhooks).orderBy(webhooks.createdAt, webhooks.id);
  return rows.map(toWebhook);
}

/** The enabled endpoints, for the ticket's object to fan each event out to its subscribers. */
export async function activeWebhooks(database: Db): Promise<Array<{ id: string; url: string; events: WebhookEventTypeT[] }>> {
  const rows = await database.select({ id: webhooks.id, url: webhooks.url, events: webhooks.events }).from(webhooks).where(eq(webhooks.enabled, true));
  return rows.map((row) => ({ ...row, events: row.events as WebhookEventTypeT[] }));
}

/** Endpoints change rarely: ticket objects read them at most this often (a change here is seen at once). */
const ENDPOINTS_CACHE_MS = 10_000;

/** The enabled endpoints as recently read; `now()` answers without waiting, once it knows. */
export const recentWebhooks = cachedPerDatabase(ENDPOINTS_CACHE_MS, (env) => activeWebhooks(db(env.DB)));

/** The endpoint and its secret, or null when it was deleted. `secret` is null if it can't be unsealed. */
export async function webhookWithSecret(env: Env, database: Db, id: string): Promise<(WebhookT & { secret: string | null }) | null> {
  const row = await database.select().from(webhooks).where(eq(webhooks.id, id)).get();
  if (!row) return null;
  return { ...toWebhook(row), secret: await unseal(env, row.secretCiphertext, secretContext(id)) };
}

export async function createWebhook(env: Env, database: Db, input: WebhookInputT): Promise<{ webhook: WebhookT; secret: string }> {
  const id = newId("whk");
  const secret = newSecret();
  const now = nowIso();
  const row: WebhookRow = {
    id,
    url: input.url,
    events: input.events,
    enabled: input.enabled,
    secretCiphertext: await seal(env, secret, secretContext(id)),
    createdAt: now,
    updatedAt: now,
  };
  // The count and the insert are one statement, so concurrent creations can't pass the limit together.
  const inserted = await database.run(sql`
    INSERT INTO ${webhooks} (id, url, events, enabled, secret_ciphertext, created_at, updated_at)
    SELECT ${row.id}, ${row.url}, ${JSON.stringify(row.events)}, ${row.enabled ? 1 : 0}, ${row.secretCiphertext}, ${row.createdAt}, ${row.updatedAt}
    WHERE (SELECT count(*) FROM ${webhooks}) < ${MAX_WEBHOOKS}`);
  if (inserted.meta.changes === 0)
    throw new ApiError(400, "invalid_request", `There are already ${MAX_WEBHOOKS} webhook endpoints, the most Parley keeps: delete one first.`);
  return { webhook: toWebhook(row), secret };
}

export async function updateWebhook(database: Db, id: string, changes: Partial<WebhookInputT>): Promise<WebhookT> {
  const [row] = await database
    .update(webhooks)
    .set({ ...changes, updatedAt: nowIso() })
    .where(eq(webhooks.id, id))
    .returning();
  if (!row) throw notFound("Webhook");
  return toWebhook(row);
}

/** The endpoint goes; its delivery log stays, so what was sent to it can still be read. */
export async function deleteWebhook(database: Db, id: string): Promise<void> {
  const deleted = await database.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  if (deleted.length === 0) throw notFound("Webhook");
}

/** A new secret that replaces the old one at once: the next attempt is signed with it. */
export async function rotateWebhookSecret(env: Env, database: Db, id: string): Promise<string> {
  const secret = newSecret();
  const updated = await database
    .update(webhooks)
    .set({ secretCiphertext: await seal(env, secret, secretContext(id)), updatedAt: nowIso() })
    .where(eq(webhooks.id, id))
    .returning({ id: webhooks.id });
  if (updated.length === 0) throw notFound("Webhook");
  return secret;
}

export type DeliveryRecord = Omit<WebhookDeliveryT, "createdAt" | "updatedAt">;

/**
 * Writes the state of a delivery after an attempt. Attempts only count up, so a write that
 * arrives late never replaces the record of a later attempt.
 */
export async function recordDelivery(database: Db, record: DeliveryRecord): Promise<void> {
  const now = nowIso();
  const { id: _, webhookId: __, event: ___, ticketId: ____, ...changes } = record;
  await database
    .insert(webhookDeliveries)
    .values({ ...record, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: webhookDeliveries.id,
      set: { ...changes, updatedAt: now },
      setWhere: sql`excluded.attempts >= ${webhookDeliveries.attempts}`,
    });
}

/** The delivery log, newest first; `webhookId` narrows it to one endpoint (deleted ones too). */
export async function listDeliveries(database: Db, filter: { webhookId?: string; limit: number }): Promise<WebhookDeliveryT[]> {
  const conditions: SQL[] = filter.webhookId ? [eq(webhookDeliveries.webhookId, filter.webhookId)] : [];
  const rows = await database
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(filter.limit);
  return rows.map((row) => ({ ...row, event: row.event as WebhookEventTypeT }));
}
