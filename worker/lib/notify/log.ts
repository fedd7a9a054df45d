// The admins' log of notification emails.
import { desc } from "drizzle-orm";
import type { EmailLogEntryT } from "../../../contract";
import type { Db } from "../../db/client";
import { emailLog } from "../../db/schema";

export function listEmails(database: Db, limit: number): Promise<EmailLogEntryT[]> {
  return database.select().from(emailLog).orderBy(desc(emailLog.sentAt), desc(emailLog.id)).limit(limit);
}
