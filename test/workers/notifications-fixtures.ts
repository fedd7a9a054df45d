// What the notification email tests share (notifications-send, -unsubscribe, -preference and
// -ticket-object .test.ts): the file's admin and settings, real web chat tickets, the email log,
// and sendTicketNotification called as the ticket's object calls it.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, expect } from "vitest";
import type { MessageT, SettingsT, TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { emailLog } from "../../worker/db/schema";
import { sendTicketNotification } from "../../worker/lib/notify/send";
import { call, customer, customerSocket, json, login, sendAndWait, startChat } from "./helpers";

export const ORIGIN = "https://parley.test";
export const database = db(env.DB);

export let admin: string;
export let settings: SettingsT;

/** Signs this file's admin in and reads the settings before the file's tests. */
export function useNotificationsAdmin() {
  beforeAll(async () => {
    admin = await login();
    settings = await json(await call("/api/settings", { cookie: admin }), 200);
  });
}

/** A real web chat ticket: a customer opens it and writes `bodies`; returns it as agents see it. */
export async function chatTicket(name: string, bodies: string[]): Promise<{ ticket: TicketT; messages: MessageT[]; token: string }> {
  const shopper = await customer(undefined, name);
  const opened = await startChat(shopper.token);
  const socket = await customerSocket(opened.id, shopper.token);
  for (const [index, body] of bodies.entries()) expect((await sendAndWait(socket, `m${index}`, body)).type).toBe("ack");
  socket.close();
  const { ticket } = await json<{ ticket: TicketT }>(await call(`/api/tickets/${opened.id}`, { cookie: admin }), 200);
  const { messages } = await json<{ messages: MessageT[] }>(await call(`/api/tickets/${opened.id}/messages`, { cookie: admin }), 200);
  return { ticket, messages, token: shopper.token };
}

export const loggedFor = (ticketId: string) => database.select().from(emailLog).where(eq(emailLog.ticketId, ticketId)).orderBy(emailLog.sentAt);

export const notify = (input: Partial<Parameters<typeof sendTicketNotification>[2]> & { ticket: TicketT; messages: MessageT[] }, binding?: SendEmail) =>
  sendTicketNotification(binding ? { ...env, NOTIFY_EMAIL: binding } : env, database, {
    kind: "new_ticket",
    phone: null,
    origin: ORIGIN,
    settings,
    alreadySent: [],
    ...input,
  });
