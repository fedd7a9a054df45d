// One customer opening ticket after ticket must not fill the team's mailbox with texts of their
// choosing: the team hears of a customer's new ticket at most once per NEW_TICKET_EMAIL_INTERVAL_MS.
import { and, eq, isNull, lte, or } from "drizzle-orm";
import { NEW_TICKET_EMAIL_INTERVAL_MS } from "../../../contract";
import type { Db } from "../../db/client";
import { profiles } from "../../db/schema";

/**
 * Takes the customer's new-ticket email for now, in one conditional write (so racing tickets
 * take it once); false when another of their tickets took it within the interval.
 */
export async function claimNewTicketEmail(database: Db, profileId: string, now = Date.now()): Promise<boolean> {
  const since = new Date(now - NEW_TICKET_EMAIL_INTERVAL_MS).toISOString();
  const claimed = await database
    .update(profiles)
    .set({ newTicketEmailAt: new Date(now).toISOString() })
    .where(and(eq(profiles.id, profileId), or(isNull(profiles.newTicketEmailAt), lte(profiles.newTicketEmailAt, since))))
    .returning({ id: profiles.id });
  return claimed.length > 0;
}
