// Numbers that texted STOP. Carriers require that nothing more is sent to them until they text
// START, whichever ticket a reply would come from.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { smsOptOuts } from "../../db/schema";
import { nowIso } from "../ids";

export async function optOut(database: Db, phone: string): Promise<void> {
  await database.insert(smsOptOuts).values({ phone, optedOutAt: nowIso() }).onConflictDoNothing();
}

export async function optIn(database: Db, phone: string): Promise<void> {
  await database.delete(smsOptOuts).where(eq(smsOptOuts.phone, phone));
}

export async function isOptedOut(database: Db, phone: string): Promise<boolean> {
  return !!(await database.select({ phone: smsOptOuts.phone }).from(smsOptOuts).where(eq(smsOptOuts.phone, phone)).get());
}
