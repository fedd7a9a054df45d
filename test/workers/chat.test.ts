import { describe, expect, it } from "vitest";
import { agentSocket, call, customer, customerSocket, eventually, json, login, startChat } from "./helpers";

describe("a chat both ways", () => {
  it("delivers customer and agent messages in seq order, with acks, reads, typing and status", async () => {
    const admin = await login();
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    expect(ticket).toMatchObject({ status: "open", channel: "webchat", profileId: shopper.profileId, unread: false });

    const c = await customerSocket(ticket.id, shopper.token);
    expect(await c.nextOfType("hello")).toEqual({
      type: "hello",
      ticketId: ticket.id,
      status: "open",
      lastSeq: 0,
      reads: { customer: 0, agent: 0 },
      aiMode: null,
      rating: null,
    });

    c.send({ type: "send", clientId: "c-1", body: "  Where is my order?  " });
    const ack = await c.nextOfType("ack");
    expect(ack).toEqual({ type: "ack", clientId: "c-1", seq: 1 });
    const first = c.messages()[0]!;
    expect(first).toMatchObject({
      seq: 1,
      clientId: "c-1",
      body: "Where is my order?",
      author: { kind: "customer", id: shopper.profileId, name: shopper.name },
      attachments: [],
    });

    const { tickets } = await eventually(async () => {
      const page = await json(await call("/api/tickets?status=open", { cookie: admin }), 200);
      expect(page.tickets.map((t: any) => t.id)).toContain(ticket.id);
      return page;
    });
    expect(tickets.find((t: any) => t.id === ticket.id)).toMatchObject({ unread: true, preview: "Where is my order?" });

    const a = await agentSocket(ticket.id, admin);
    const hello = await a.nextOfType("hello");
    expect(hello.lastSeq).toBe(1);
    expect((await a.nextOfType("message")).seq).toBe(1);

    a.send({ type: "typing" });
    expect(await c.nextOfType("typing")).toMatchObject({ type: "typing", by: "agent" });
    a.send({ type: "read", seq: 1 });
    expect(await c.nextOfType("read")).toEqual({ type: "read", by: "agent", seq: 1 });

    a.send({ type: "send", clientId: "a-1", body: "It ships today." });
    expect(await a.nextOfType("ack")).toEqual({ type: "ack", clientId: "a-1", seq: 2 });
    const reply = await c.next((f) => f.type === "message" && f.seq === 2);
    expect(reply.author.kind).toBe("agent");
    expect(await c.nextOfType("status")).toMatchObject({ status: "open", assigneeId: expect.stringMatching(/^agt_/) });

    c.send({ type: "read", seq: 2 });
    expect(await a.nextOfType("read")).toEqual({ type: "read", by: "customer", seq: 2 });

    c.send({ type: "end" });
    expect(await a.nextOfType("status")).toMatchObject({ status: "closed" });
    c.send({ type: "send", clientId: "c-2", body: "one more" });
    expect(await c.nextOfType("error")).toMatchObject({ code: "conversation_closed", clientId: "c-2" });
    c.close();
    a.close();
  });
});
