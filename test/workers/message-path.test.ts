// What a message costs the ticket's object: the SQL statements it runs, counted inside the
// object while a customer and an agent chat in a live conversation. The ack owes one row stored
// (and whatever state it changes); everything else is derived or deferred.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Conversation } from "../../durable-objects/conversation/Conversation";
import { agentSocket, customer, customerSocket, eventually, login, seen, sendAndWait, startChat, type Client } from "./helpers";

const stubOf = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));

/** Counts the statements the object runs from now on, and what they are. */
function countStatements(ticketId: string) {
  return runInDurableObject(stubOf(ticketId), (_instance, ctx) => {
    const sql = ctx.storage.sql as SqlStorage & { counted?: string[] };
    sql.counted = [];
    const exec = sql.exec.bind(sql);
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      sql.counted!.push(query.trim().split(/\s+/).slice(0, 3).join(" "));
      return exec(query, ...(bindings as []));
    }) as SqlStorage["exec"];
  });
}

const statementsRun = (ticketId: string) =>
  runInDurableObject(stubOf(ticketId), (_instance, ctx) => [...((ctx.storage.sql as SqlStorage & { counted?: string[] }).counted ?? [])]);

let admin: string;
beforeAll(async () => {
  admin = await login();
});

describe("the message path", () => {
  it("stores each message with one statement in a live conversation; the deferred work (D1 writes, the alarm) adds a quarter at most", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const customerSide: Client = await customerSocket(ticket.id, shopper.token);
    await sendAndWait(customerSide, "warm-1", "Hello, is anyone there?");
    const agentSide = await agentSocket(ticket.id, admin);
    await agentSide.nextOfType("hello");
    // The agent's first reply assigns the ticket (a stored change); from then on the chat is steady.
    await sendAndWait(agentSide, "warm-2", "Hi! How can I help?");
    await seen(customerSide, (frame) => frame.type === "message" && frame.clientId === "warm-2");

    await countStatements(ticket.id);
    // Enough that the deferred work (at most one D1 write a second) is spread thin; within the send budget of 60 per side.
    const messages = 100;
    for (let i = 0; i < messages / 2; i++) {
      expect((await sendAndWait(customerSide, `c-${i}`, `Customer message ${i}`)).type).toBe("ack");
      expect((await sendAndWait(agentSide, `a-${i}`, `Agent message ${i}`)).type).toBe("ack");
    }
    const statements = await statementsRun(ticket.id);
    const perMessage = statements.length / messages;
    console.log(`statements per message: ${perMessage.toFixed(2)} (${statements.length} for ${messages} messages): ${JSON.stringify(countBy(statements))}`);
    // The message path itself: one insert per message (it also settles a repeated clientId), no state row.
    expect(statements.filter((statement) => statement === "INSERT INTO messages")).toHaveLength(messages);
    expect(perMessage).toBeLessThanOrEqual(1.25);
    customerSide.close();
    agentSide.close();
  });
});

describe("the D1 write a burst owes", () => {
  it("moves the object's alarm once, as the burst goes on, instead of waking the object for a write that is not due", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const chat = await customerSocket(ticket.id, shopper.token);
    await sendAndWait(chat, "opening", "Hello?");
    chat.close();
    const core = (instance: Conversation) => (instance as unknown as { core: { syncDueAt: number | null } }).core;
    // The opening message's write has landed: nothing is owed.
    await eventually(async () => expect(await runInDurableObject(stubOf(ticket.id), (instance: Conversation) => core(instance).syncDueAt)).toBeNull());

    const alarms = await runInDurableObject(stubOf(ticket.id), async (instance: Conversation, ctx) => {
      // The object's clock, from well past a second after that write.
      const start = Date.now() + 5_000;
      const clock = vi.spyOn(Date, "now");
      const alarmAfter = async (ms: number, clientId: string) => {
        clock.mockReturnValue(start + ms);
        const posted = await instance.post({ side: "customer", id: shopper.profileId, name: null }, { clientId, body: clientId }, "");
        expect(posted.ok).toBe(true);
        return { after: ms, alarm: (await ctx.storage.getAlarm())! - start };
      };
      try {
        return [
          await alarmAfter(0, "burst-1"),
          // On the heels of the first, as an automatic reply comes: the write stays 250 ms after the first.
          await alarmAfter(20, "burst-2"),
          // In the last half of those 250 ms: the burst is going on, the write waits for the rest of its first second.
          await alarmAfter(150, "burst-3"),
          await alarmAfter(600, "burst-4"),
          await alarmAfter(990, "burst-5"),
        ];
      } finally {
        clock.mockRestore();
      }
    });
    expect(alarms).toEqual([
      { after: 0, alarm: 250 },
      { after: 20, alarm: 250 },
      { after: 150, alarm: 1000 },
      { after: 600, alarm: 1000 },
      { after: 990, alarm: 1000 },
    ]);
  });
});

function countBy(statements: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const statement of statements) counts[statement] = (counts[statement] ?? 0) + 1;
  return counts;
}
