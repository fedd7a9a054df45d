// Team notification emails from the ticket object: its outbox batches them, one per window.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { emailLog } from "../../worker/db/schema";
import { addAgent, call, customerSocket, eventually, json, sendAndWait, sleep } from "./helpers";
import { admin, chatTicket, database, loggedFor, useNotificationsAdmin } from "./notifications-fixtures";

useNotificationsAdmin();

// These need the ticket object's outbox (durable-objects/Conversation.ts), which calls
// sendTicketNotification at most once per ticket per NOTIFY_EMAIL_INTERVAL_MS (1 s in tests).
describe("from the ticket object", { timeout: 20_000 }, () => {
  const WINDOW_MS = Number(env.NOTIFY_EMAIL_INTERVAL_MS);
  const team = `team-${crypto.randomUUID().slice(0, 8)}@shop.test`;

  beforeAll(async () => {
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { notifyEmails: [team] } }), 200);
  });

  it("a new ticket produces one email to the team, and a burst of customer messages no second one", async () => {
    const { ticket } = await chatTicket("Gus Burst", ["Hello", "Are you there?", "I need help", "with my order", "please"]);
    await eventually(async () => expect((await loggedFor(ticket.id)).map((row) => [row.kind, row.recipient])).toEqual([["new_ticket", team]]), 5000);
    const [email] = await loggedFor(ticket.id);
    expect(email!.subject).toBe("New chat from Gus Burst: Hello");
    await sleep(WINDOW_MS * 1.5);
    expect(await loggedFor(ticket.id)).toHaveLength(1);
  });

  it("a customer's reply on a ticket assigned to an opted-in agent produces one email to them, after the window", async () => {
    const assignee = await addAgent(admin);
    await json(await call("/api/me", { method: "PATCH", cookie: assignee.cookie, json: { notifyOnAssignedReply: true } }), 200);
    const { ticket, token } = await chatTicket("Hal Reply", ["First message"]);
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { assigneeId: assignee.agent.id } }), 200);
    const [first] = await eventually(async () => {
      const rows = await loggedFor(ticket.id);
      expect(rows.map((row) => row.kind)).toEqual(["new_ticket"]);
      return rows;
    });

    const socket = await customerSocket(ticket.id, token);
    expect((await sendAndWait(socket, "r1", "Any news?")).type).toBe("ack");
    expect((await sendAndWait(socket, "r2", "Still waiting")).type).toBe("ack");
    socket.close();
    const reply = await eventually(async () => {
      const [row, ...more] = await database
        .select()
        .from(emailLog)
        .where(and(eq(emailLog.ticketId, ticket.id), eq(emailLog.kind, "customer_reply")));
      expect(row).toBeDefined();
      expect(more).toEqual([]);
      return row!;
    }, WINDOW_MS * 5);
    expect(reply.recipient).toBe(assignee.agent.email);
    expect(reply.subject).toBe("Hal Reply replied: Still waiting");
    expect(Date.parse(reply.sentAt) - Date.parse(first!.sentAt)).toBeGreaterThanOrEqual(WINDOW_MS - 50);
    await sleep(WINDOW_MS * 1.5);
    expect(
      await database
        .select()
        .from(emailLog)
        .where(and(eq(emailLog.ticketId, ticket.id), eq(emailLog.kind, "customer_reply"))),
    ).toHaveLength(1);

    // What the customer writes after that email gets the next one, a window later.
    const again = await customerSocket(ticket.id, token);
    expect((await sendAndWait(again, "r3", "Hello? Anyone there?")).type).toBe("ack");
    again.close();
    const next = await eventually(async () => {
      const rows = await database
        .select()
        .from(emailLog)
        .where(and(eq(emailLog.ticketId, ticket.id), eq(emailLog.kind, "customer_reply")));
      expect(rows).toHaveLength(2);
      return rows.find((row) => row.id !== reply.id)!;
    }, WINDOW_MS * 5);
    expect(next.subject).toBe("Hal Reply replied: Hello? Anyone there?");
  });
});
